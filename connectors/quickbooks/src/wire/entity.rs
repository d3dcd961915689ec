/// The entities this project reads or writes, spelled as QuickBooks spells them
/// in JSON bodies, `/_sim/export` keys and query `FROM` clauses.
pub const ENTITIES: &[&str] = &[
    "Account",
    "Attachable",
    "Budget",
    "Class",
    "CompanyCurrency",
    "CompanyInfo",
    "CreditMemo",
    "Customer",
    "Department",
    "Employee",
    "ExchangeRate",
    "Invoice",
    "Item",
    "Payment",
    "Preferences",
    "TaxCode",
    "TaxRate",
    "Vendor",
];

/// QuickBooks matches entity names in URLs and queries without regard to case
/// (`/invoice`, `select * from invoice`): the canonical spelling of `name`.
/// `Currency` is the older name of `CompanyCurrency` and still answers.
pub fn canonical_entity(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("currency") {
        return Some("CompanyCurrency");
    }
    ENTITIES
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_case() {
        assert_eq!(canonical_entity("invoice"), Some("Invoice"));
        assert_eq!(canonical_entity("CREDITMEMO"), Some("CreditMemo"));
        assert_eq!(canonical_entity("currency"), Some("CompanyCurrency"));
        assert_eq!(canonical_entity("Bill"), None);
    }
}
