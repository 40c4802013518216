//! The approval gates: an area's own rules, the viable-options evidence for new places,
//! and the compliance report.

use super::*;

pub(crate) fn compliance_command(
    url: &str,
    web: &dyn Web,
    what: ComplianceCommand,
) -> anyhow::Result<()> {
    match what {
        ComplianceCommand::AdoptRules { area, file } => {
            let from = adopt(
                url,
                &area,
                &file,
                "a set of gate rules",
                "sendscope compliance show-rules",
                |rules: sendscope_domain::compliance::GateRules| {
                    let from = rules.effective_from;
                    Ok((sendscope_domain::EventBody::GateRulesAdopted(rules), from))
                },
            )?;
            eprintln!("Gate rules adopted for steps from {from}.");
            Ok(())
        }
        ComplianceCommand::ViableOptions { provision, km } => {
            let store = open(url)?;
            let id = sendscope_domain::ids::ProvisionId::parse(&provision)?;
            let area = match store.projection(sendscope_domain::StreamRef::provision(id))? {
                Some(p) => p.area,
                None => bail!(
                    "there is no provision {provision}: give an identifier from the provisions register"
                ),
            };
            match sendscope_app::compliance::viable_options_for(
                store.as_ref(),
                area,
                id,
                km,
                sendscope_domain::calendar::england_today(),
            )? {
                Some(list) => outln!("{}", serde_json::to_string_pretty(&list)?),
                None => {
                    bail!("provision {provision} is not a provision at a setting with a location")
                }
            }
            Ok(())
        }
        ComplianceCommand::ShowRules { area, on } => show(url, &area, on, |store, area, on| {
            Ok(sendscope_app::compliance::rules_on(store, area, on)?)
        }),
        ComplianceCommand::Report { area, format } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let r = sendscope_app::compliance::report(
                store.as_ref(),
                area,
                sendscope_domain::calendar::england_today(),
                true,
            )?;
            match format {
                ComplianceFormat::Html => outln!("{}", web.compliance_page(&r)),
                ComplianceFormat::Csv => out!("{}", sendscope_app::compliance::csv(&r)),
                ComplianceFormat::Json => outln!("{}", serde_json::to_string(&r)?),
            }
            Ok(())
        }
    }
}
