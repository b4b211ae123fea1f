"""The generated documentation: each README's fix diff and the catalogue's index (`lab readme`), and the
catalogue site (`nox -s docs`). It uses the core only."""
