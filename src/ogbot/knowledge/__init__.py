"""Question -> index -> answer: the explainer content and the engine that answers from it."""
