//! Who may see and do what in the console: the role matrix, in one place. Every page and
//! action asks here, and the role-matrix test checks the server against this table.

use crate::store::{Role, User};

/// A part of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    /// `/`: the report with its charts.
    Overview,
    /// `/meetings`, `/submissions`: meetings and the answers collected at them.
    Records,
    /// Review states and comments on submissions.
    Review,
    /// `/exports`.
    Exports,
    /// `/devices`: enrollment and revocation.
    Devices,
    /// `/instruments`.
    Instruments,
    /// `/audit`.
    Audit,
    /// `/carers`: a carer's data, looked up, exported or forgotten.
    Carers,
    /// `/users`, `/projects`.
    Administration,
}

impl Area {
    pub const ALL: [Area; 9] = [
        Area::Overview,
        Area::Records,
        Area::Review,
        Area::Exports,
        Area::Devices,
        Area::Instruments,
        Area::Audit,
        Area::Carers,
        Area::Administration,
    ];
}

/// How much of an area a role sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    None,
    /// The psychologist's share: peer groups (and, in the overview, the totals) only.
    PeerGroups,
    All,
}

impl Access {
    pub fn any(self) -> bool {
        self != Access::None
    }
}

/// The role matrix.
pub fn access(role: Role, area: Area) -> Access {
    use Access::*;
    match (role, area) {
        (Role::Admin, _) => All,
        (_, Area::Administration) => None,
        (Role::Coordinator, _) => All,
        (Role::Psychologist, Area::Overview | Area::Records | Area::Review | Area::Exports) => {
            PeerGroups
        }
        (Role::Psychologist, _) => None,
        (Role::Viewer, Area::Overview) => All,
        (Role::Viewer, _) => None,
    }
}

/// Whether `user` may look at `project` at all: admins every project, the others their own.
pub fn in_project(user: &User, project: &str) -> bool {
    user.role == Role::Admin || user.project.as_deref() == Some(project)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_row_by_row() {
        let row = |role| {
            Area::ALL
                .iter()
                .map(|a| match access(role, *a) {
                    Access::None => '-',
                    Access::PeerGroups => 'p',
                    Access::All => 'A',
                })
                .collect::<String>()
        };
        // overview, records, review, exports, devices, instruments, audit, carers,
        // administration
        assert_eq!(row(Role::Admin), "AAAAAAAAA");
        assert_eq!(row(Role::Coordinator), "AAAAAAAA-");
        assert_eq!(row(Role::Psychologist), "pppp-----");
        assert_eq!(row(Role::Viewer), "A--------");
    }
}
