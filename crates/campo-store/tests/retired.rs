//! Retired questionnaire versions: kept as pulls bring them; what a new questionnaire may
//! use leaves them out, while drafts and finals of a retired version go on as before.

mod common;

use campo_core::catalog::Catalog;
use campo_store::offered;
use common::*;

#[test]
fn retired_versions_are_kept_and_no_longer_offered_while_their_work_goes_on() {
    let (dir, v) = new_vault();
    assert!(v.retired_instruments().unwrap().is_empty());
    let mut v2 = Catalog::builtin()
        .latest("peer_satisfaction")
        .unwrap()
        .clone();
    v2.version = 2;
    v.put_instrument(&v2).unwrap();
    let m = v.create_meeting(new_meeting("Sala", "Gruppo", 3)).unwrap();
    let mut draft = submission(m.id, &[("q1", "3")]);
    draft.instrument_id = v2.id.clone();
    draft.instrument_version = 2;
    v.save_draft(&draft).unwrap();

    let retire = [("peer_satisfaction".to_string(), 2)];
    assert_eq!(v.retire_instruments(&retire).unwrap(), 1);
    assert_eq!(
        v.retire_instruments(&retire).unwrap(),
        0,
        "a page pulled again"
    );
    assert_eq!(v.retire_instruments(&[]).unwrap(), 0);
    drop(v);
    // Kept in the vault, sealed like every setting.
    let v = campo_store::Vault::open(dir.path())
        .unwrap()
        .unlock(PASS)
        .unwrap();
    let retired = v.retired_instruments().unwrap();
    assert_eq!(retired.iter().cloned().collect::<Vec<_>>(), retire);
    assert!(!somewhere_in_files(dir.path(), "peer_satisfaction\",2"));

    let mut catalog = Catalog::builtin();
    for i in v.instruments().unwrap() {
        catalog.insert(i);
    }
    let peer: Vec<u32> = offered(&catalog, &retired)
        .into_iter()
        .filter(|i| i.id == "peer_satisfaction")
        .map(|i| i.version)
        .collect();
    assert_eq!(peer, [1], "the version before the retired one");

    // The draft of the retired version still saves and finishes.
    draft
        .answers
        .insert("q2".into(), campo_core::AnswerValue::Text("4".into()));
    v.save_draft(&draft).unwrap();
    v.finalize(draft.id).unwrap();
    assert_eq!(
        v.submission(draft.id).unwrap().unwrap().instrument_version,
        2
    );
    assert!(v.pending(100).unwrap().iter().any(|p| p.id == draft.id));
}
