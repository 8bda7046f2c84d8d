"""Regenerate docs/checks/ and the README's configuration reference from the code."""

from __future__ import annotations

from pathlib import Path

from authsift.docs import expected_files

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    for path, text in expected_files(ROOT).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
