from attention_explainer.cli import main

main()
