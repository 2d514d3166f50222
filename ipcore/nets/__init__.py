"""Networks and their training: noisy models, the trainer and the recorder of representations."""
