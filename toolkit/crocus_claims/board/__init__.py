"""The claims board: a static, self-contained site of a release or an annotation pass.

An index shows the disagreements at a glance (casualty figures as intervals per incident and
category, perpetrator claims as a matrix of claimant and responsible party, warnings, denials),
and one page per document shows its text with every span highlighted in its label's colour.
Needs the `board` extra (Jinja2, matplotlib); the loader never imports this package.
"""

from crocus_claims.board.build import BoardError, build_board, open_annotations, write_board

__all__ = ["BoardError", "build_board", "open_annotations", "write_board"]
