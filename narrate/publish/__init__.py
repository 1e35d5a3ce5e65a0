"""Publishing: the one table of files per episode (``layout``), the only writer (``output``),
revisions, timing formats, the feed, the pages, artwork, and the commands that read what
was published (``check``, ``serve``, ``verify``)."""
