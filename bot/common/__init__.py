"""Small building blocks shared by the domain packages: watching admin folders (`watch`) and
reading admin-edited files (`issues`, `files`, `yaml_source`, `spreadsheet`)."""
