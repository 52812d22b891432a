"""Generic helpers below every afeval concept, one concern a module; nothing here imports from afeval.

* ``slugs``: a text made safe for a file name (:func:`~afeval._util.slugs.slug`, ``is_slug``);
* ``files``: writing a file whole or not at all (``atomic_output``, ``atomic_write_text``, ``atomic_write_bytes``);
* ``jsonl``: JSONL files, one JSON object a line (``json_objects``, ``read_jsonl``, ``jsonl_writer``,
  ``write_jsonl``);
* ``text``: the first line of a message or an error (``first_line``, ``error_line``);
* ``model_names``: the provider of an Inspect model string (``provider_of``).
"""
