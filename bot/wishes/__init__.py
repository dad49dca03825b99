"""微心愿: small wishes of youths that cadres claim and fulfil ("1+5")."""
