"""Chat models: the backend Protocol and registry, llama.cpp in process and OpenAI-compatible
HTTP backends, the cost ledger, the budget guard and the capacity projection."""
