"""eprof's own CJK font (WenQuanYi Micro Hei, see fonts/LICENSE.txt): generated PDFs, credit memos
and the web page render Chinese with it on machines that have no Chinese font."""

from pathlib import Path

CJK_FONT_FILE = Path(__file__).parent / "fonts" / "WenQuanYiMicroHei.ttf"
