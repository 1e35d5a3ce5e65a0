"""Text: a summary read (``sources``, ``page_dump``) and made speakable (``script``,
``sentences``, ``rules/`` for the speech rules, ``pronounce`` with the ``lexicon/`` tables)."""
