//! Staff roles and the PRD's permission matrix (§2.2). The server enforces it on
//! every endpoint; the admin app uses the same table to hide what a role cannot do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Admin,
    Coach,
    Volunteer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::SuperAdmin, Role::Admin, Role::Coach, Role::Volunteer];

    pub fn label(self) -> &'static str {
        match self {
            Role::SuperAdmin => "超级管理员",
            Role::Admin => "管理员",
            Role::Coach => "教练",
            Role::Volunteer => "志愿者",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::Coach => "coach",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// How far this role reaches into an area of the product.
    pub fn scope(self, area: Area) -> Scope {
        use Area::*;
        use Role::*;
        match (area, self) {
            (_, SuperAdmin) => Scope::All,
            (SystemConfig | Users | AuditLog, _) => Scope::None,
            (Operations, Coach | Volunteer) => Scope::None,
            (_, Admin) => Scope::All,
            (CampManagement, Coach | Volunteer) => Scope::None,
            (Members | Checkins | CampView, Coach | Volunteer) => Scope::OwnCamps,
            (RefundReview, Coach) => Scope::All,
            (Reports, Coach) => Scope::OwnCamps,
            (RefundReview | Reports, Volunteer) => Scope::None,
        }
    }

    pub fn can(self, area: Area) -> bool {
        self.scope(area) != Scope::None
    }
}

/// The rows of the permission matrix, plus `CampView` (reading the camps a
/// person is assigned to, which the member and check-in pages need) and
/// `AuditLog` (part of system management).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    CampManagement,
    CampView,
    Members,
    Checkins,
    RefundReview,
    Reports,
    SystemConfig,
    Users,
    AuditLog,
    /// Job runs and admin alerts (the operations page): super admins and admins.
    Operations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Only the camps the person is assigned to as coach or volunteer.
    OwnCamps,
    None,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_matches_the_prd() {
        use Area::*;
        use Role::*;
        assert_eq!(SuperAdmin.scope(Users), Scope::All);
        assert_eq!(Admin.scope(Users), Scope::None);
        assert_eq!(Admin.scope(SystemConfig), Scope::None);
        assert_eq!(Admin.scope(CampManagement), Scope::All);
        assert_eq!(Coach.scope(CampManagement), Scope::None);
        assert_eq!(Coach.scope(Members), Scope::OwnCamps);
        assert_eq!(Volunteer.scope(Checkins), Scope::OwnCamps);
        assert_eq!(Coach.scope(RefundReview), Scope::All);
        assert_eq!(Volunteer.scope(RefundReview), Scope::None);
        assert_eq!(Coach.scope(Reports), Scope::OwnCamps);
        assert_eq!(Volunteer.scope(Reports), Scope::None);
        assert_eq!(Admin.scope(Operations), Scope::All);
        assert_eq!(Coach.scope(Operations), Scope::None);
        assert_eq!(Volunteer.scope(Operations), Scope::None);
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("member"), None);
    }
}
