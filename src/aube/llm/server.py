"""``python -m aube.llm.server``: llama-cpp-python's OpenAI-compatible server
(``llama_cpp.server``, same arguments), started with the model-loading options of Aube's
in-process backend (``aube.llm.llamacpp.model_loading``: no AMX weight repacking unless
``AUBE_LLM_WEIGHT_REPACK`` is true). The tests and scripts/test use it to serve the SmolLM2
GGUF on 127.0.0.1; any other OpenAI-compatible server works the same for Aube."""

from __future__ import annotations

import sys

from aube.config import load_settings
from aube.llm.llamacpp import model_loading


def main() -> None:
    from llama_cpp.server.__main__ import main as serve

    sys.argv[0] = "python -m aube.llm.server"
    with model_loading(load_settings().llm_weight_repack):
        serve()


if __name__ == "__main__":
    main()
