//! Header vocabulary of the CSV exports: the logical `Field`s casift reads, the portal alias
//! table (English plus French, German, Spanish and Portuguese UI headers) and the Log
//! Analytics column names. Owns header normalization; knows nothing about row values.
//!
//! Sources: FORMATS.md §1.3 (English header, FR fragments), a Spanish 56-column header from
//! a third-party importer of real downloads, a French importer's alias table. The German and
//! Portuguese names follow Microsoft's portal terminology and are unverified: matching is
//! tolerant (case, accents, apostrophes, spacing) so near-misses still land.

/// A column casift reads. The same field may hold different shapes per export kind
/// (`Status` is display text in the portal CSV and JSON in Log Analytics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Date,
    TimeGenerated,
    RequestId,
    OriginalRequestId,
    CorrelationId,
    UserAgent,
    UserId,
    UserDisplayName,
    UserPrincipalName,
    UserType,
    AppDisplayName,
    AppId,
    ResourceDisplayName,
    ResourceId,
    ServicePrincipalId,
    ServicePrincipalName,
    Ip,
    ResourceIp,
    Location,
    LocationDetails,
    Status,
    ErrorCode,
    FailureReason,
    AdditionalDetails,
    ClientApp,
    DeviceId,
    Browser,
    OperatingSystem,
    Compliant,
    Managed,
    JoinType,
    DeviceDetail,
    AuthRequirement,
    ConditionalAccess,
    CaPolicies,
    NetworkLocations,
    IsInteractive,
    Category,
    Type,
    AuthenticationDetails,
    RiskLevelDuringSignIn,
    RiskLevelAggregated,
    RiskState,
    RiskDetail,
    RiskEventTypes,
    /// `AuthenticationProtocol` (Log Analytics only: the portal's display text is unverified).
    AuthProtocol,
    /// `OriginalTransferMethod` (Log Analytics only).
    TransferMethod,
    /// `ConditionalAccessAudiences` (Log Analytics only; JSON text).
    Audiences,
    AuthMethod,
    AuthMethodDetail,
    AuthSucceeded,
    AuthResultDetail,
    AuthRequirementStep,
}

impl Field {
    pub const COUNT: usize = Field::AuthRequirementStep as usize + 1;
}

/// Trims, strips a BOM and a trailing ` [UTC]`, folds case, accents and typographic
/// apostrophes, turns no-break spaces into spaces and collapses runs of whitespace.
pub fn normalize_header(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for ch in raw.chars() {
        let ch = match ch {
            '\u{feff}' | '\u{200b}' => continue,
            '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => '\'',
            '\u{2013}' | '\u{2010}' | '\u{2011}' => '-',
            // Combining accents (NFD text): dropped, like the precomposed ones below.
            '\u{300}'..='\u{36f}' => continue,
            c if c.is_whitespace() => {
                pending_space = !out.is_empty();
                continue;
            }
            c => fold_accent(c),
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for lc in ch.to_lowercase() {
            out.push(lc);
        }
    }
    if let Some(stripped) = out.strip_suffix(" [utc]") {
        out.truncate(stripped.len());
    }
    out
}

/// `normalize_header` for a cell value (several per row): a plain ASCII word or words, as
/// nearly every value is, are only lower-cased; anything else takes the full fold.
pub fn fold_value(raw: &str) -> std::borrow::Cow<'_, str> {
    let b = raw.as_bytes();
    let plain = b.first().is_some_and(|&c| c != b' ')
        && b.last().is_some_and(|&c| c != b' ')
        && !b.windows(2).any(|w| w == b"  ")
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b' ' || c == b'-');
    if !plain {
        return normalize_header(raw).into();
    }
    if b.iter().any(u8::is_ascii_uppercase) {
        raw.to_ascii_lowercase().into()
    } else {
        raw.into()
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        c => c,
    }
}

/// Portal download headers (all languages), as displayed; normalized when looked up.
const PORTAL: &[(&str, Field)] = &[
    // English (FORMATS §1.3, ApplicationSignIns, AuthDetails).
    ("Date (UTC)", Field::Date),
    ("Date", Field::Date),
    ("Request ID", Field::RequestId),
    ("User agent", Field::UserAgent),
    ("Correlation ID", Field::CorrelationId),
    ("User ID", Field::UserId),
    ("User", Field::UserDisplayName),
    ("Username", Field::UserPrincipalName),
    ("User type", Field::UserType),
    ("Application", Field::AppDisplayName),
    ("Application ID", Field::AppId),
    ("Resource", Field::ResourceDisplayName),
    ("Resource ID", Field::ResourceId),
    ("Service principal ID", Field::ServicePrincipalId),
    ("Service principal name", Field::ServicePrincipalName),
    ("IP address", Field::Ip),
    ("IP address (seen by resource)", Field::ResourceIp),
    ("Location", Field::Location),
    ("Status", Field::Status),
    ("Sign-in error code", Field::ErrorCode),
    ("Failure reason", Field::FailureReason),
    ("Client app", Field::ClientApp),
    ("Device ID", Field::DeviceId),
    ("Browser", Field::Browser),
    ("Operating System", Field::OperatingSystem),
    ("Compliant", Field::Compliant),
    ("Managed", Field::Managed),
    ("Join Type", Field::JoinType),
    (
        "Multifactor authentication result",
        Field::AdditionalDetails,
    ),
    ("Authentication requirement", Field::AuthRequirement),
    ("Conditional Access", Field::ConditionalAccess),
    ("Authentication method", Field::AuthMethod),
    ("Authentication method detail", Field::AuthMethodDetail),
    ("Succeeded", Field::AuthSucceeded),
    ("Result detail", Field::AuthResultDetail),
    ("Requirement", Field::AuthRequirementStep),
    // French.
    ("ID de requête", Field::RequestId),
    ("ID de la demande", Field::RequestId),
    ("Agent utilisateur", Field::UserAgent),
    ("ID de corrélation", Field::CorrelationId),
    ("Identifiant utilisateur", Field::UserId),
    ("ID d'utilisateur", Field::UserId),
    ("Utilisateur", Field::UserDisplayName),
    ("Nom d'utilisateur", Field::UserPrincipalName),
    ("Type d'utilisateur", Field::UserType),
    ("ID d'application", Field::AppId),
    ("Ressource", Field::ResourceDisplayName),
    ("ID de ressource", Field::ResourceId),
    ("ID du principal de service", Field::ServicePrincipalId),
    ("Nom du principal de service", Field::ServicePrincipalName),
    ("Adresse IP", Field::Ip),
    ("Adresse IP (vue par la ressource)", Field::ResourceIp),
    ("Emplacement", Field::Location),
    ("Statut", Field::Status),
    ("Code d'erreur de connexion", Field::ErrorCode),
    ("Raison de l'échec", Field::FailureReason),
    ("Application cliente", Field::ClientApp),
    ("ID de l'appareil", Field::DeviceId),
    ("Navigateur", Field::Browser),
    ("Système d'exploitation", Field::OperatingSystem),
    ("Conforme", Field::Compliant),
    ("Géré", Field::Managed),
    ("Type de jointure", Field::JoinType),
    (
        "Résultat de l'authentification multifacteur",
        Field::AdditionalDetails,
    ),
    ("Exigence d'authentification", Field::AuthRequirement),
    ("Accès conditionnel", Field::ConditionalAccess),
    ("Méthode d'authentification", Field::AuthMethod),
    (
        "Détail de la méthode d'authentification",
        Field::AuthMethodDetail,
    ),
    ("Réussi", Field::AuthSucceeded),
    ("Détail du résultat", Field::AuthResultDetail),
    ("Exigence", Field::AuthRequirementStep),
    // German.
    ("Datum (UTC)", Field::Date),
    ("Datum", Field::Date),
    ("Anforderungs-ID", Field::RequestId),
    ("Benutzer-Agent", Field::UserAgent),
    ("Korrelations-ID", Field::CorrelationId),
    ("Benutzer-ID", Field::UserId),
    ("Benutzer", Field::UserDisplayName),
    ("Benutzername", Field::UserPrincipalName),
    ("Benutzertyp", Field::UserType),
    ("Anwendung", Field::AppDisplayName),
    ("Anwendungs-ID", Field::AppId),
    ("Ressource", Field::ResourceDisplayName),
    ("Ressourcen-ID", Field::ResourceId),
    ("Dienstprinzipal-ID", Field::ServicePrincipalId),
    ("Dienstprinzipalname", Field::ServicePrincipalName),
    ("IP-Adresse", Field::Ip),
    ("IP-Adresse (von Ressource erkannt)", Field::ResourceIp),
    ("Standort", Field::Location),
    ("Anmeldefehlercode", Field::ErrorCode),
    ("Fehlerursache", Field::FailureReason),
    ("Client-App", Field::ClientApp),
    ("Geräte-ID", Field::DeviceId),
    ("Betriebssystem", Field::OperatingSystem),
    ("Konform", Field::Compliant),
    ("Kompatibel", Field::Compliant),
    ("Verwaltet", Field::Managed),
    ("Verknüpfungstyp", Field::JoinType),
    ("Jointyp", Field::JoinType),
    (
        "Ergebnis der mehrstufigen Authentifizierung",
        Field::AdditionalDetails,
    ),
    ("Authentifizierungsanforderung", Field::AuthRequirement),
    ("Bedingter Zugriff", Field::ConditionalAccess),
    ("Authentifizierungsmethode", Field::AuthMethod),
    (
        "Details zur Authentifizierungsmethode",
        Field::AuthMethodDetail,
    ),
    ("Erfolgreich", Field::AuthSucceeded),
    ("Ergebnisdetails", Field::AuthResultDetail),
    ("Anforderung", Field::AuthRequirementStep),
    // Spanish (the 56-column header seen in a real-download importer).
    ("Fecha (UTC)", Field::Date),
    ("Fecha", Field::Date),
    ("Id. de solicitud", Field::RequestId),
    ("Agente de usuario", Field::UserAgent),
    ("Id. de correlación", Field::CorrelationId),
    ("Id. de usuario", Field::UserId),
    ("Usuario", Field::UserDisplayName),
    ("Nombre de usuario", Field::UserPrincipalName),
    ("Tipo de usuario", Field::UserType),
    ("Aplicación", Field::AppDisplayName),
    ("Id. de aplicación", Field::AppId),
    ("Recurso", Field::ResourceDisplayName),
    ("Id. de recurso", Field::ResourceId),
    ("Id. de entidad de servicio", Field::ServicePrincipalId),
    ("Nombre de entidad de servicio", Field::ServicePrincipalName),
    ("Dirección IP", Field::Ip),
    ("Dirección IP (vista por recurso)", Field::ResourceIp),
    ("Ubicación", Field::Location),
    ("Estado", Field::Status),
    ("Código de error de inicio de sesión", Field::ErrorCode),
    ("Motivo del error", Field::FailureReason),
    ("Aplicación cliente", Field::ClientApp),
    ("Id. de dispositivo", Field::DeviceId),
    ("Explorador", Field::Browser),
    ("Sistema operativo", Field::OperatingSystem),
    ("Administrada", Field::Managed),
    ("Administrado", Field::Managed),
    ("Tipo de unión", Field::JoinType),
    (
        "Resultado de la autenticación multifactor",
        Field::AdditionalDetails,
    ),
    ("Requisito de autenticación", Field::AuthRequirement),
    ("Acceso condicional", Field::ConditionalAccess),
    ("Método de autenticación", Field::AuthMethod),
    (
        "Detalle del método de autenticación",
        Field::AuthMethodDetail,
    ),
    ("Correcto", Field::AuthSucceeded),
    ("Detalle del resultado", Field::AuthResultDetail),
    ("Requisito", Field::AuthRequirementStep),
    // Portuguese (Brazil, with Portugal variants).
    ("Data (UTC)", Field::Date),
    ("Data", Field::Date),
    ("ID da solicitação", Field::RequestId),
    ("ID do pedido", Field::RequestId),
    ("Agente do usuário", Field::UserAgent),
    ("Agente do utilizador", Field::UserAgent),
    ("ID de correlação", Field::CorrelationId),
    ("ID do usuário", Field::UserId),
    ("ID do utilizador", Field::UserId),
    ("Usuário", Field::UserDisplayName),
    ("Utilizador", Field::UserDisplayName),
    ("Nome de usuário", Field::UserPrincipalName),
    ("Nome de utilizador", Field::UserPrincipalName),
    ("Tipo de usuário", Field::UserType),
    ("Aplicativo", Field::AppDisplayName),
    ("Aplicação", Field::AppDisplayName),
    ("ID do aplicativo", Field::AppId),
    ("ID da aplicação", Field::AppId),
    ("ID do recurso", Field::ResourceId),
    ("ID da entidade de serviço", Field::ServicePrincipalId),
    ("Nome da entidade de serviço", Field::ServicePrincipalName),
    ("Endereço IP", Field::Ip),
    ("Endereço IP (visto pelo recurso)", Field::ResourceIp),
    ("Local", Field::Location),
    ("Localização", Field::Location),
    ("Código de erro de entrada", Field::ErrorCode),
    ("Código de erro de início de sessão", Field::ErrorCode),
    ("Motivo da falha", Field::FailureReason),
    ("Aplicativo cliente", Field::ClientApp),
    ("Aplicação cliente", Field::ClientApp),
    ("ID do dispositivo", Field::DeviceId),
    ("Navegador", Field::Browser),
    ("Sistema operacional", Field::OperatingSystem),
    ("Em conformidade", Field::Compliant),
    ("Gerenciado", Field::Managed),
    ("Gerido", Field::Managed),
    ("Tipo de junção", Field::JoinType),
    (
        "Resultado da autenticação multifator",
        Field::AdditionalDetails,
    ),
    ("Requisito de autenticação", Field::AuthRequirement),
    ("Acesso condicional", Field::ConditionalAccess),
    ("Método de autenticação", Field::AuthMethod),
    ("Detalhe do método de autenticação", Field::AuthMethodDetail),
    ("Êxito", Field::AuthSucceeded),
    ("Bem-sucedido", Field::AuthSucceeded),
    ("Detalhe do resultado", Field::AuthResultDetail),
];

/// Looks a portal header up in every language.
pub fn portal_field(normalized: &str) -> Option<Field> {
    PORTAL
        .iter()
        .find(|(alias, _)| normalize_header(alias) == normalized)
        .map(|(_, f)| *f)
}

/// Log Analytics column (lower-cased, without ` [UTC]`, `_dynamic` / `_string`) → field and
/// its rank among coalesced columns (0 wins).
const LA: &[(&str, Field, u8)] = &[
    ("createddatetime", Field::Date, 0),
    ("timegenerated", Field::TimeGenerated, 0),
    ("id", Field::RequestId, 0),
    ("originalrequestid", Field::OriginalRequestId, 0),
    ("correlationid", Field::CorrelationId, 0),
    ("useragent", Field::UserAgent, 0),
    ("userid", Field::UserId, 0),
    ("userdisplayname", Field::UserDisplayName, 0),
    ("identity", Field::UserDisplayName, 5),
    ("userprincipalname", Field::UserPrincipalName, 0),
    ("usertype", Field::UserType, 0),
    ("appdisplayname", Field::AppDisplayName, 0),
    ("appid", Field::AppId, 0),
    ("resourcedisplayname", Field::ResourceDisplayName, 0),
    // `ResourceId` in LA is the Azure resource path of the tenant, not the resource app.
    ("resourceidentity", Field::ResourceId, 0),
    ("serviceprincipalid", Field::ServicePrincipalId, 0),
    ("serviceprincipalname", Field::ServicePrincipalName, 0),
    ("ipaddress", Field::Ip, 0),
    ("ipaddressfromresourceprovider", Field::ResourceIp, 0),
    ("location", Field::Location, 0),
    ("locationdetails", Field::LocationDetails, 0),
    ("status", Field::Status, 0),
    ("resulttype", Field::ErrorCode, 0),
    ("resultdescription", Field::FailureReason, 0),
    ("clientappused", Field::ClientApp, 0),
    ("devicedetail", Field::DeviceDetail, 0),
    ("authenticationrequirement", Field::AuthRequirement, 0),
    ("conditionalaccessstatus", Field::ConditionalAccess, 0),
    ("conditionalaccesspolicies", Field::CaPolicies, 0),
    ("appliedconditionalaccesspolicies", Field::CaPolicies, 5),
    ("networklocationdetails", Field::NetworkLocations, 0),
    ("isinteractive", Field::IsInteractive, 0),
    ("category", Field::Category, 0),
    ("type", Field::Type, 0),
    ("authenticationdetails", Field::AuthenticationDetails, 0),
    ("risklevelduringsignin", Field::RiskLevelDuringSignIn, 0),
    ("risklevelaggregated", Field::RiskLevelAggregated, 0),
    ("riskstate", Field::RiskState, 0),
    ("riskdetail", Field::RiskDetail, 0),
    ("riskeventtypes_v2", Field::RiskEventTypes, 0),
    ("riskeventtypes", Field::RiskEventTypes, 3),
    ("authenticationprotocol", Field::AuthProtocol, 0),
    ("originaltransfermethod", Field::TransferMethod, 0),
    ("conditionalaccessaudiences", Field::Audiences, 0),
];

/// Looks a Log Analytics column up; `X`, `X_dynamic` and `X_string` coalesce in that order.
pub fn la_field(normalized: &str) -> Option<(Field, u8)> {
    let (base, bump) = if let Some(b) = normalized.strip_suffix("_dynamic") {
        (b, 1)
    } else if let Some(b) = normalized.strip_suffix("_string") {
        (b, 2)
    } else {
        (normalized, 0)
    };
    LA.iter()
        .find(|(name, _, _)| *name == base)
        .map(|(_, f, rank)| (*f, rank + bump))
}

/// Columns that only Log Analytics exports have (PascalCase, no spaces).
pub fn is_la_marker(normalized: &str) -> bool {
    matches!(
        normalized,
        "tenantid"
            | "sourcesystem"
            | "operationname"
            | "createddatetime"
            | "timegenerated"
            | "resulttype"
            | "userprincipalname"
            | "appdisplayname"
            | "ipaddress"
            | "correlationid"
            | "isinteractive"
            | "starttime"
            | "endtime"
    )
}
