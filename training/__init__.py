"""The lab: the synthetic-report generator (``synth``, ``render``), the real world's layout families
(``families``) and garbling (``garble``), generated-report scoring (``synthetic``), corpora built from them
(``corpora``), and the torch trainer and promotion (``train``, ``promote``).

The runtime (``extractor``) never imports this package; only the command line's training and evaluation
commands do, at the edge.
"""
