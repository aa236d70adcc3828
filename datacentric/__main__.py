from datacentric.cli import app

app()
