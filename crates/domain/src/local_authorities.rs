//! The local authorities of England, with their ONS codes and regions: the list a new
//! local area's LA code is checked against. Kept as data (`data/local_authorities.tsv`,
//! with its source at its head), compiled in.

use crate::codes::LaCode;
use std::sync::OnceLock;

/// One English local authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAuthority {
    pub la_code: LaCode,
    /// The ONS code, e.g. E06000015.
    pub ons_code: &'static str,
    pub name: &'static str,
    pub region: &'static str,
}

const DATA: &str = include_str!("../data/local_authorities.tsv");

/// Every English local authority, by LA code.
pub fn all() -> &'static [LocalAuthority] {
    static LIST: OnceLock<Vec<LocalAuthority>> = OnceLock::new();
    LIST.get_or_init(|| {
        DATA.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                let (code, ons, name, region) = (f.next()?, f.next()?, f.next()?, f.next()?);
                Some(LocalAuthority {
                    la_code: LaCode::parse(code).ok()?,
                    ons_code: ons,
                    name,
                    region,
                })
            })
            .collect()
    })
}

/// The local authority with this LA code, if England has one.
pub fn find(code: LaCode) -> Option<&'static LocalAuthority> {
    all().iter().find(|a| a.la_code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_authority_with_its_region() {
        let list = all();
        assert_eq!(list.len(), 153, "England's 153 local authorities (2024/25)");
        let derby = find(LaCode::parse("831").expect("code")).expect("Derby");
        assert_eq!(
            (derby.name, derby.ons_code, derby.region),
            ("Derby", "E06000015", "East Midlands")
        );
        assert!(find(LaCode::parse("999").expect("code")).is_none());
        let regions: std::collections::BTreeSet<&str> = list.iter().map(|a| a.region).collect();
        assert_eq!(regions.len(), 9, "{regions:?}");
    }
}
