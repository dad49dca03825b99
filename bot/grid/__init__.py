"""青情地图 (the grid): League orgs, their chat groups, cadres and experts, read from `faq_data/grid/`."""
