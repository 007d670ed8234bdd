"""What every layer shares of the Python process symdiff runs in: the build lock
(`building`), the bounded in-memory caches (`memo`), compiling generated text under a
`linecache` name (`compile`), what a derivative was built against (`freshness`) and
naming a user's function (`reference`). It imports nothing of symdiff above it, so the
frontend and the rules use it without an import running back up to the runtime."""
