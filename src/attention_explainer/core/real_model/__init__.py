"""A real pretrained transformer (a BERT-family encoder) in plain NumPy: load a model folder,
run a sentence, keep every head's attention, measure what each head does (no Manim, no torch).

    loader   config.json, model.safetensors, tokenizer.json / vocab.txt -> BertModel (checked)
    forward  embeddings, LayerNorm, encoder layers -> attentions (layers × heads × n × n)
    pieces   word pieces with character offsets; merging to whole words
    roles    head scores and labels, measured for the sentence, with documented thresholds
    trace    RealModelTrace: everything the real-model segment and `export --real-model` show
"""
