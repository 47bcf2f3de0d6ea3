"""The LaTeX preamble used for formulas. An article-class template: it needs only
texlive-latex-base (amsmath) and texlive-base (amssymb), not texlive-latex-extra's standalone.cls
that Manim's default template loads."""

TEX_DOCUMENTCLASS = r"\documentclass{article}"
TEX_PACKAGES = ("amsmath", "amssymb")
TEX_PREAMBLE = "\n".join(rf"\usepackage{{{p}}}" for p in TEX_PACKAGES) + "\n\\pagestyle{empty}"
