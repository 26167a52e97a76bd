//! The passphrase rule holds for every new key slot: setup, another facilitator's slot,
//! a changed passphrase. A refusal changes nothing.

mod common;

use campo_store::{check_passphrase, PassphraseProblem, StoreError, Vault};
use common::*;

fn refused(r: Result<impl Sized, StoreError>) -> PassphraseProblem {
    match r {
        Err(StoreError::WeakPassphrase(p)) => p,
        Err(e) => panic!("expected a weak passphrase, got {e}"),
        Ok(_) => panic!("expected a weak passphrase, it was accepted"),
    }
}

#[test]
fn setup_refuses_each_kind_of_weak_passphrase_and_leaves_no_file() {
    let cases = [
        ("Anna", "short one", PassphraseProblem::TooShort),
        ("Anna", "zzzzzzzzzzzz", PassphraseProblem::OneCharacter),
        ("Anna Rossi", "annarossi2024", PassphraseProblem::IsName),
        ("Anna Rossi", " ANNA ROSSI ", PassphraseProblem::IsName),
        ("Anna", "1234567890", PassphraseProblem::Common),
        ("Anna", "Password123", PassphraseProblem::Common),
    ];
    for (name, passphrase, problem) in cases {
        let dir = tempfile::tempdir().unwrap();
        let err = Vault::create(dir.path(), name, passphrase).err().unwrap();
        assert_eq!(err.code(), problem.code(), "{passphrase}");
        assert_eq!(err.to_string(), problem.to_string());
        assert_eq!(refused(Err::<(), _>(err)), problem, "{passphrase}");
        // The one rule the app asks as the facilitator types says the same.
        assert_eq!(check_passphrase(passphrase, name), Err(problem));
        assert!(
            !Vault::exists(dir.path()),
            "a refused setup leaves no vault"
        );
    }
}

#[test]
fn new_and_changed_slots_keep_the_rule_and_a_refusal_changes_nothing() {
    let (dir, v) = new_vault();
    let before = v.slots().unwrap();
    assert_eq!(
        refused(v.add_slot("Bruno Verdi", "Bruno Verdi 1980!")),
        PassphraseProblem::IsName
    );
    assert_eq!(
        refused(v.add_slot("Bruno Verdi", "qwertyuiop")),
        PassphraseProblem::Common
    );
    assert_eq!(v.slots().unwrap(), before, "no slot was added");
    v.add_slot("Bruno Verdi", "the river runs slowly").unwrap();

    assert_eq!(
        refused(v.change_passphrase("Anna", "anna-anna")),
        PassphraseProblem::TooShort
    );
    // The rule compares with the slot's own name.
    assert_eq!(
        refused(v.change_passphrase("Anna", "Anna.2025.")),
        PassphraseProblem::IsName
    );
    assert_eq!(
        refused(v.change_passphrase("Anna", "..........")),
        PassphraseProblem::OneCharacter
    );
    drop(v);
    // The refused changes left the old passphrase in place.
    let v = Vault::open(dir.path()).unwrap().unlock(PASS).unwrap();
    assert_eq!(v.unlocked_slot(), "Anna");
    // Bruno's name is no problem for Anna's passphrase.
    v.change_passphrase("Anna", "Bruno Verdi 1980!").unwrap();
    drop(v);
    let v = Vault::open(dir.path())
        .unwrap()
        .unlock("Bruno Verdi 1980!")
        .unwrap();
    assert_eq!(v.unlocked_slot(), "Anna");
}
