// The console's words in Vietnamese and English. Values from the API (names, headlines) are
// shown as they are; only the console's own words change with the language.

const words = {
  en: {
    overview: 'Overview', map: 'Map', alerts: 'Alerts', incidents: 'Incidents',
    requests: 'Citizen requests', federation: 'Federation',
    signInTitle: 'Sign in to the operations console', tokenLabel: 'Access token', signIn: 'Sign in',
    signOut: 'Sign out', live: 'live', offline: 'offline', badToken: 'This token is not valid here.',
    openIncidents: 'Open incidents', activeAlerts: 'Active alerts', openRequests: 'Open requests',
    onTime: 'Requests closed on time', readings: 'Readings (15 min)', children: 'Nodes below',
    fresh: 'fresh', stale: 'stale', unreachable: 'unreachable', relayed: 'as last relayed',
    lag: 'lag', complete: 'complete', incomplete: 'incomplete', lostRanges: 'lost ranges',
    lastSync: 'last sync', none: 'none',
    status: 'Status', severity: 'Severity', area: 'Area', origin: 'Reported at', owner: 'Owner',
    domain: 'Domain', title: 'Title', created: 'Reported', updated: 'Updated', from: 'From', to: 'To',
    any: 'any', filter: 'Filter', history: 'History', grant: 'Grant', actor: 'By', note: 'Note',
    when: 'When', action: 'Action', actions: 'What you may do', decidedBy: 'decided by {0}',
    notAllowed: 'not allowed', noIncident: 'Select an incident to see its history and actions.',
    acknowledge: 'Acknowledge', dispatch: 'Dispatch', resolve: 'Resolve', close: 'Close',
    escalate: 'Escalate', cancel: 'Cancel',
    done: 'Done: {0}', sentTo: 'Sent to its owner {0}', failed: 'Refused: {0}',
    activeOnly: 'Active', recent: 'Recent (24 h)', headline: 'Headline', event: 'Event',
    sender: 'Sender', sent: 'Sent', expires: 'Expires', description: 'Description',
    instruction: 'Instruction', urgency: 'Urgency', certainty: 'Certainty', category: 'Category',
    language: 'Language', translation: 'Translation (English)', areas: 'Areas',
    issueAlert: 'Issue an alert', issue: 'Issue', updateAlert: 'Update', cancelAlert: 'Cancel alert',
    capXml: 'CAP XML', noAlert: 'Select an alert to see its CAP details.', scope: 'Scope',
    service: 'Service', requested: 'Requested', expected: 'Due', sla: 'SLA', overdue: 'overdue',
    onTrack: 'on time', closedOnTime: 'closed on time', closedLate: 'closed late', address: 'Address',
    node: 'Node', kind: 'Kind', link: 'Link', protocol: 'Protocol', policyVersion: 'Policy version',
    quarantine: 'Quarantined entries', reason: 'Reason', via: 'Via', self: 'this node',
    parent: 'parent', noMapLibrary: 'The map library (libjs-leaflet) is not installed: a plain map is shown.',
    plainMap: 'No map tiles are configured: areas are drawn on a plain background.',
    worstAlert: 'worst active alert', camera: 'camera',
    secondsAgo: '{0} s ago', minutesAgo: '{0} min ago', hoursAgo: '{0} h ago',
    search: 'Search nodes', shown: '{0} of {1} shown',
  },
  vi: {
    overview: 'Tổng quan', map: 'Bản đồ', alerts: 'Cảnh báo', incidents: 'Sự cố',
    requests: 'Phản ánh của người dân', federation: 'Liên thông',
    signInTitle: 'Đăng nhập trung tâm điều hành', tokenLabel: 'Mã truy cập', signIn: 'Đăng nhập',
    signOut: 'Đăng xuất', live: 'trực tuyến', offline: 'mất kết nối', badToken: 'Mã truy cập không hợp lệ tại nút này.',
    openIncidents: 'Sự cố đang xử lý', activeAlerts: 'Cảnh báo còn hiệu lực', openRequests: 'Phản ánh đang mở',
    onTime: 'Phản ánh xử lý đúng hạn', readings: 'Số đo (15 phút)', children: 'Các nút cấp dưới',
    fresh: 'cập nhật', stale: 'chậm', unreachable: 'không kết nối được', relayed: 'theo lần chuyển tiếp cuối',
    lag: 'độ trễ', complete: 'đầy đủ', incomplete: 'chưa đầy đủ', lostRanges: 'dữ liệu bị mất',
    lastSync: 'đồng bộ lần cuối', none: 'không có',
    status: 'Trạng thái', severity: 'Mức độ', area: 'Khu vực', origin: 'Nơi báo', owner: 'Đơn vị xử lý',
    domain: 'Lĩnh vực', title: 'Tiêu đề', created: 'Thời điểm báo', updated: 'Cập nhật', from: 'Từ', to: 'Đến',
    any: 'tất cả', filter: 'Lọc', history: 'Lịch sử', grant: 'Quyền', actor: 'Người thực hiện', note: 'Ghi chú',
    when: 'Thời điểm', action: 'Thao tác', actions: 'Thao tác được phép', decidedBy: 'do {0} quyết định',
    notAllowed: 'không được phép', noIncident: 'Chọn một sự cố để xem lịch sử và thao tác.',
    acknowledge: 'Tiếp nhận', dispatch: 'Điều động', resolve: 'Giải quyết', close: 'Đóng',
    escalate: 'Chuyển cấp trên', cancel: 'Hủy',
    done: 'Đã thực hiện: {0}', sentTo: 'Đã gửi đơn vị xử lý {0}', failed: 'Bị từ chối: {0}',
    activeOnly: 'Còn hiệu lực', recent: 'Gần đây (24 giờ)', headline: 'Tiêu đề', event: 'Sự kiện',
    sender: 'Nơi phát', sent: 'Thời điểm phát', expires: 'Hết hiệu lực', description: 'Mô tả',
    instruction: 'Hướng dẫn', urgency: 'Mức khẩn cấp', certainty: 'Độ chắc chắn', category: 'Loại',
    language: 'Ngôn ngữ', translation: 'Bản dịch (tiếng Anh)', areas: 'Khu vực',
    issueAlert: 'Phát cảnh báo', issue: 'Phát', updateAlert: 'Cập nhật', cancelAlert: 'Hủy cảnh báo',
    capXml: 'CAP XML', noAlert: 'Chọn một cảnh báo để xem chi tiết CAP.', scope: 'Phạm vi',
    service: 'Dịch vụ', requested: 'Thời điểm gửi', expected: 'Hạn xử lý', sla: 'Thời hạn', overdue: 'quá hạn',
    onTrack: 'trong hạn', closedOnTime: 'đóng đúng hạn', closedLate: 'đóng quá hạn', address: 'Địa chỉ',
    node: 'Nút', kind: 'Loại', link: 'Kết nối', protocol: 'Giao thức', policyVersion: 'Phiên bản chính sách',
    quarantine: 'Mục bị cách ly', reason: 'Lý do', via: 'Qua', self: 'nút này',
    parent: 'nút cha', noMapLibrary: 'Chưa cài thư viện bản đồ (libjs-leaflet): hiển thị bản đồ đơn giản.',
    plainMap: 'Chưa cấu hình lớp nền bản đồ: các khu vực được vẽ trên nền trơn.',
    worstAlert: 'cảnh báo nặng nhất', camera: 'camera',
    secondsAgo: '{0} giây trước', minutesAgo: '{0} phút trước', hoursAgo: '{0} giờ trước',
    search: 'Tìm nút', shown: 'hiển thị {0}/{1}',
  },
};

let language = 'en';

export function set_language(lang) {
  language = words[lang] ? lang : 'en';
  document.documentElement.lang = language;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
}

export function current_language() { return language; }

/** The console's word for `key`, with {0}, {1} filled from `args`. */
export function t(key, ...args) {
  const text = words[language][key] ?? words.en[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}
