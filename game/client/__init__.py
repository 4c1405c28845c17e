"""The pygame front end: scenes, renderer, HUD, audio, input, interpolation, prediction.
The only package that imports pygame; nothing imports it except the CLI."""
