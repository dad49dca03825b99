"""The one scripted conversation every surface must carry (issue #11's first "done means")."""
