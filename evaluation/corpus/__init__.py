"""The labelled corpus generator. Its CJK font also serves the web page (`eprof serve`), for
browsers on machines without a Chinese font."""

from pathlib import Path

CJK_FONT_FILE = Path(__file__).parent / "fonts" / "WenQuanYiMicroHei.ttf"
