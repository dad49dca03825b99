"""Small building blocks shared by the domain packages (file watching, …)."""
