//! What each call costs against the company's daily token budget: the
//! `x-token-cost` Pipedrive's OpenAPI files declare for the operation (a test
//! holds this table to the spec, entry by entry).

/// `(method, route template, x-token-cost)` of every API route the simulator serves.
pub const TOKEN_COSTS: &[(&str, &str, u64)] = &[
    ("GET", "/api/v2/deals", 10),
    ("POST", "/api/v2/deals", 5),
    ("GET", "/api/v2/deals/archived", 20),
    ("GET", "/api/v2/deals/{id}", 1),
    ("PATCH", "/api/v2/deals/{id}", 5),
    ("DELETE", "/api/v2/deals/{id}", 3),
    ("GET", "/api/v2/deals/products", 10),
    ("GET", "/api/v2/deals/{id}/products", 10),
    ("POST", "/api/v2/deals/{id}/products", 5),
    ("GET", "/api/v2/persons", 10),
    ("POST", "/api/v2/persons", 5),
    ("GET", "/api/v2/persons/{id}", 1),
    ("PATCH", "/api/v2/persons/{id}", 5),
    ("DELETE", "/api/v2/persons/{id}", 3),
    ("GET", "/api/v2/organizations", 10),
    ("POST", "/api/v2/organizations", 5),
    ("GET", "/api/v2/organizations/{id}", 1),
    ("PATCH", "/api/v2/organizations/{id}", 5),
    ("DELETE", "/api/v2/organizations/{id}", 3),
    ("GET", "/api/v2/activities", 10),
    ("POST", "/api/v2/activities", 5),
    ("GET", "/api/v2/activities/{id}", 1),
    ("PATCH", "/api/v2/activities/{id}", 5),
    ("GET", "/api/v2/products", 10),
    ("GET", "/api/v2/products/{id}", 1),
    ("GET", "/api/v2/pipelines", 5),
    ("GET", "/api/v2/pipelines/{id}", 1),
    ("GET", "/api/v2/stages", 5),
    ("GET", "/api/v2/stages/{id}", 1),
    ("GET", "/api/v2/dealFields", 10),
    ("GET", "/api/v2/personFields", 10),
    ("GET", "/api/v2/organizationFields", 10),
    ("GET", "/v1/notes", 20),
    ("POST", "/v1/notes", 10),
    ("GET", "/v1/notes/{id}", 2),
    ("PUT", "/v1/notes/{id}", 10),
    ("DELETE", "/v1/notes/{id}", 6),
    ("GET", "/v1/webhooks", 10),
    ("POST", "/v1/webhooks", 10),
    ("DELETE", "/v1/webhooks/{id}", 6),
];

/// The token cost of `METHOD /route/{template}`; `None` for a route the table lacks.
pub fn token_cost(method: &str, template: &str) -> Option<u64> {
    TOKEN_COSTS
        .iter()
        .find(|(m, t, _)| *m == method && *t == template)
        .map(|(_, _, c)| *c)
}
