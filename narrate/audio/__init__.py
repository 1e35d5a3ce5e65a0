"""Audio: speech from the engines (``synthesize``, the clip ``cache``), the mix (``mixdown``,
``dsp``, ``ffmpeg``), the tags (``tagging``) and the recognizer that listens back (``listen``)."""
