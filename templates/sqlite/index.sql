CREATE {{#unique}}UNIQUE {{/unique}}INDEX IF NOT EXISTS {{q}} ON {{table_q}} ({{columns}});
