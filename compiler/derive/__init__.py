"""Facts computed from the IR that several renderers use: the model-test paths through each
machine (:mod:`~compiler.derive.paths`) and what each PICS item gates
(:mod:`~compiler.derive.pics_gates`). Analysis lives here; the renderers only print."""
