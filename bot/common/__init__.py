"""Small building blocks shared by the domain packages: watching admin folders (`watch`, `live`),
one kind of admin-edited files in a folder (`folder`) and reading them (`issues`, `files`,
`yaml_source`, `spreadsheet`); settings text parsed into typed values (`config`)."""
