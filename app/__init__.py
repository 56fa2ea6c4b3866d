"""The application shell: start-up, CLI, runner, offline chat, the command list."""
