"""What the tests share: fixtures, fakes of the outside world and ways to start the stack.

Importable from both environments: nothing here may import the app at module level in
a file the Rasa environment loads (tests/support/in_rasa.py)."""
