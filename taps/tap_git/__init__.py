"""tap-git: commits read from git repositories, local or cloned, by one ``git log`` each."""
