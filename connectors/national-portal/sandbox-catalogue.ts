/**
 * The simulator's seeded catalogue, in domain terms (the simulator renders it in the portal's
 * wire format): 55 procedures and the agencies that publish and perform them. The same on every
 * machine, so tests and the hub's docs can name codes. Codes have the real formats
 * (`1.00NNNN`, `NNN.NN.NN.HNN`) but are INVENTED: do not assume they match the real catalogue;
 * agency names other than the sandbox province are illustrative.
 */
import type { Procedure } from '../../schemas/procedure.js'
import type { Agency } from '../../schemas/portal.js'

/**
 * The sandbox province: the hub's own `madonvi` in the sandbox. Quảng Ngãi as merged on 1 July
 * 2025 (with Kon Tum, Resolution 202/2025/QH15); communes sit directly under it. The old Kon Tum
 * codes live on only in config/agency-mapping.json.
 */
export const SANDBOX_PROVINCE_CODE = '000.00.00.H48'

/** Procedures the docs and tests refer to by name. */
export const SANDBOX_PROCEDURES = Object.freeze({
  birthRegistration: '1.001193',
  marriageRegistration: '1.000894',
  deathRegistration: '1.000656',
  certifiedCopy: '2.000815',
  businessHouseholdRegistration: '2.000720',
  housingConstructionPermit: '1.009999',
  criminalRecordCertificate: '2.000488',
  companyRegistration: '2.002040',
  /** TRANGTHAI 0: withdrawn from the catalogue. */
  withdrawn: '1.000001',
})

/** Papers several procedures require: their codes repeat across procedures, like on the portal. */
export const SHARED_PAPERS = Object.freeze({
  identityCard: { code: 'GT.001', name: 'Bản sao Thẻ Căn cước/Căn cước công dân của người yêu cầu', documentType: 'CCCD' },
  residenceConfirmation: { code: 'GT.007', name: 'Giấy xác nhận thông tin về cư trú', documentType: 'XNCT' },
  birthCertificateCopy: { code: 'GT.008', name: 'Bản sao Giấy khai sinh', documentType: 'GKS' },
  landUseCertificate: { code: 'GT.016', name: 'Bản sao Giấy chứng nhận quyền sử dụng đất', documentType: 'GCNQSDD' },
})

const P: Record<string, { code: string; name: string; documentType: string }> = {
  ...SHARED_PAPERS,
  birthDeclaration: { code: 'GT.002', name: 'Tờ khai đăng ký khai sinh', documentType: 'TKKS' },
  birthNotice: { code: 'GT.003', name: 'Giấy chứng sinh', documentType: 'GCS' },
  marriageDeclaration: { code: 'GT.004', name: 'Tờ khai đăng ký kết hôn', documentType: 'TKKH' },
  maritalStatus: { code: 'GT.005', name: 'Giấy xác nhận tình trạng hôn nhân', documentType: 'XNTTHN' },
  deathNotice: { code: 'GT.006', name: 'Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử', documentType: 'GBT' },
  authorisation: { code: 'GT.009', name: 'Văn bản ủy quyền (nếu có)', documentType: 'VBUQ' },
  original: { code: 'GT.010', name: 'Bản chính giấy tờ, văn bản làm cơ sở để chứng thực', documentType: 'BCGT' },
  contractDraft: { code: 'GT.011', name: 'Dự thảo hợp đồng, giao dịch', documentType: 'DTHD' },
  householdBusinessForm: { code: 'GT.012', name: 'Giấy đề nghị đăng ký hộ kinh doanh', documentType: 'GDNHKD' },
  householdBusinessCertificate: { code: 'GT.013', name: 'Giấy chứng nhận đăng ký hộ kinh doanh', documentType: 'GCNHKD' },
  familyMinutes: { code: 'GT.014', name: 'Biên bản họp thành viên hộ gia đình', documentType: 'BBHGD' },
  permitApplication: { code: 'GT.015', name: 'Đơn đề nghị cấp giấy phép xây dựng', documentType: 'DXPXD' },
  designDrawings: { code: 'GT.017', name: 'Bản vẽ thiết kế xây dựng', documentType: 'BVTK' },
  companyForm: { code: 'GT.018', name: 'Giấy đề nghị đăng ký doanh nghiệp', documentType: 'GDNDN' },
  charter: { code: 'GT.019', name: 'Điều lệ công ty', documentType: 'DLCT' },
  members: { code: 'GT.020', name: 'Danh sách thành viên/cổ đông sáng lập', documentType: 'DSTV' },
  landRegistration: { code: 'GT.021', name: 'Đơn đăng ký đất đai, tài sản gắn liền với đất', documentType: 'DDKDD' },
  transferContract: { code: 'GT.022', name: 'Hợp đồng, văn bản về việc chuyển quyền sử dụng đất', documentType: 'HDCN' },
  healthCertificate: { code: 'GT.023', name: 'Giấy khám sức khỏe', documentType: 'GKSK' },
  drivingLicence: { code: 'GT.024', name: 'Bản sao Giấy phép lái xe', documentType: 'GPLX' },
  photo: { code: 'GT.025', name: 'Ảnh chân dung cỡ 3x4 cm', documentType: 'ANH' },
  criminalRecordForm: { code: 'GT.026', name: 'Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp', documentType: 'TKLLTP' },
  diploma: { code: 'GT.027', name: 'Bản sao văn bằng, chứng chỉ', documentType: 'VBCC' },
  insuranceBook: { code: 'GT.028', name: 'Sổ bảo hiểm xã hội', documentType: 'SBHXH' },
  dismissal: { code: 'GT.029', name: 'Quyết định thôi việc hoặc văn bản chấm dứt hợp đồng lao động', documentType: 'QDTV' },
  application: { code: 'GT.030', name: 'Đơn đề nghị (theo mẫu)', documentType: 'DDN' },
  environmentReport: { code: 'GT.031', name: 'Báo cáo đề xuất cấp giấy phép môi trường', documentType: 'BCDXMT' },
  practiceCertificate: { code: 'GT.032', name: 'Bản sao chứng chỉ hành nghề', documentType: 'CCHN' },
  companyCertificate: { code: 'GT.033', name: 'Giấy chứng nhận đăng ký doanh nghiệp', documentType: 'GCNDKDN' },
  labourContract: { code: 'GT.034', name: 'Hợp đồng lao động', documentType: 'HDLD' },
}

const R: Record<string, string> = {
  'KQ.001': 'Giấy khai sinh (bản chính)', 'KQ.002': 'Giấy chứng nhận kết hôn', 'KQ.003': 'Trích lục khai tử',
  'KQ.004': 'Trích lục hộ tịch', 'KQ.005': 'Giấy xác nhận tình trạng hôn nhân', 'KQ.006': 'Bản sao được chứng thực',
  'KQ.007': 'Giấy chứng nhận đăng ký hộ kinh doanh', 'KQ.008': 'Giấy phép xây dựng', 'KQ.009': 'Giấy chứng nhận đăng ký doanh nghiệp',
  'KQ.010': 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất', 'KQ.011': 'Quyết định hành chính',
  'KQ.012': 'Phiếu lý lịch tư pháp', 'KQ.013': 'Giấy phép lái xe', 'KQ.014': 'Giấy phép hoạt động', 'KQ.015': 'Chứng chỉ hành nghề',
  'KQ.016': 'Giấy phép môi trường', 'KQ.017': 'Giấy phép lao động', 'KQ.018': 'Thẻ bảo hiểm y tế', 'KQ.019': 'Văn bản thông báo',
  'KQ.020': 'Bản sao văn bằng, chứng chỉ từ sổ gốc', 'KQ.021': 'Phù hiệu xe', 'KQ.022': 'Giấy phép khai thác nước dưới đất',
  'KQ.023': 'Giấy phép bán lẻ rượu', 'KQ.024': 'Xác nhận thông tin về cư trú',
}

/** Fields (lĩnh vực) with the ministry that publishes their procedures and the provincial department that performs them. */
const FIELDS: Record<string, { name: string; ministry: string; department: string }> = {
  HT: { name: 'Hộ tịch', ministry: '000.00.00.G12', department: '000.00.05.H48' },
  CT: { name: 'Chứng thực', ministry: '000.00.00.G12', department: '000.00.05.H48' },
  LLTP: { name: 'Lý lịch tư pháp', ministry: '000.00.00.G12', department: '000.00.05.H48' },
  CC: { name: 'Công chứng', ministry: '000.00.00.G12', department: '000.00.05.H48' },
  HKD: { name: 'Thành lập và hoạt động của hộ kinh doanh', ministry: '000.00.00.G06', department: '000.00.06.H48' },
  DN: { name: 'Thành lập và hoạt động doanh nghiệp', ministry: '000.00.00.G06', department: '000.00.06.H48' },
  XD: { name: 'Hoạt động xây dựng', ministry: '000.00.00.G10', department: '000.00.10.H48' },
  DD: { name: 'Đất đai', ministry: '000.00.00.G11', department: '000.00.11.H48' },
  MT: { name: 'Môi trường', ministry: '000.00.00.G11', department: '000.00.11.H48' },
  TNN: { name: 'Tài nguyên nước', ministry: '000.00.00.G11', department: '000.00.11.H48' },
  BTXH: { name: 'Bảo trợ xã hội', ministry: '000.00.00.G13', department: '000.00.12.H48' },
  LD: { name: 'Việc làm', ministry: '000.00.00.G13', department: '000.00.12.H48' },
  GD: { name: 'Giáo dục và Đào tạo', ministry: '000.00.00.G14', department: '000.00.13.H48' },
  KCB: { name: 'Khám bệnh, chữa bệnh', ministry: '000.00.00.G15', department: '000.00.14.H48' },
  DB: { name: 'Đường bộ', ministry: '000.00.00.G16', department: '000.00.10.H48' },
  TM: { name: 'Lưu thông hàng hóa trong nước', ministry: '000.00.00.G17', department: '000.00.06.H48' },
}

const COMMUNES = ['000.00.61.H48', '000.00.62.H48', '000.00.64.H48']

type Level = 'xa' | 'huyen' | 'tinh'
/** code, name, field, level, paper keys, result codes, time limit, fee. */
type Row = [string, string, keyof typeof FIELDS, Level, string[], string[], string, string]

const ROWS: Row[] = [
  ['1.001193', 'Đăng ký khai sinh', 'HT', 'xa', ['birthDeclaration', 'birthNotice', 'identityCard'], ['KQ.001'], 'Ngay trong ngày làm việc', 'Miễn lệ phí'],
  ['1.000894', 'Đăng ký kết hôn', 'HT', 'xa', ['marriageDeclaration', 'identityCard', 'maritalStatus'], ['KQ.002'], 'Ngay trong ngày làm việc', 'Miễn lệ phí'],
  ['1.000656', 'Đăng ký khai tử', 'HT', 'xa', ['deathNotice', 'identityCard', 'authorisation'], ['KQ.003'], 'Ngay trong ngày làm việc', 'Miễn lệ phí'],
  ['1.001022', 'Đăng ký nhận cha, mẹ, con', 'HT', 'xa', ['application', 'identityCard', 'birthCertificateCopy'], ['KQ.004'], '03 ngày làm việc', 'Miễn lệ phí'],
  ['1.000689', 'Đăng ký giám hộ', 'HT', 'xa', ['application', 'identityCard', 'residenceConfirmation'], ['KQ.004'], '03 ngày làm việc', 'Miễn lệ phí'],
  ['1.004746', 'Đăng ký lại khai sinh', 'HT', 'xa', ['birthDeclaration', 'identityCard', 'residenceConfirmation', 'authorisation'], ['KQ.001'], '05 ngày làm việc', 'Miễn lệ phí'],
  ['2.000635', 'Cấp bản sao Trích lục hộ tịch', 'HT', 'xa', ['application', 'identityCard'], ['KQ.004'], 'Ngay trong ngày làm việc', '8.000 đồng/bản sao'],
  ['1.004873', 'Cấp Giấy xác nhận tình trạng hôn nhân', 'HT', 'xa', ['application', 'identityCard', 'residenceConfirmation'], ['KQ.005'], '03 ngày làm việc', 'Miễn lệ phí'],
  ['1.004859', 'Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch', 'HT', 'xa', ['application', 'identityCard', 'birthCertificateCopy'], ['KQ.004'], '03 ngày làm việc', 'Miễn lệ phí'],
  ['1.003583', 'Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi', 'HT', 'xa', ['birthDeclaration', 'birthNotice', 'identityCard', 'residenceConfirmation'], ['KQ.001', 'KQ.018'], '05 ngày làm việc', 'Miễn lệ phí'],
  ['2.000815', 'Chứng thực bản sao từ bản chính giấy tờ, văn bản', 'CT', 'xa', ['original', 'authorisation'], ['KQ.006'], 'Ngay trong ngày làm việc', '2.000 đồng/trang'],
  ['2.000884', 'Chứng thực chữ ký trong các giấy tờ, văn bản', 'CT', 'xa', ['identityCard', 'original'], ['KQ.006'], 'Ngay trong ngày làm việc', '10.000 đồng/trường hợp'],
  ['2.001035', 'Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản', 'CT', 'xa', ['contractDraft', 'identityCard', 'original'], ['KQ.006'], '02 ngày làm việc', '50.000 đồng/hợp đồng'],
  ['1.001695', 'Đăng ký khai sinh kết hợp nhận cha, mẹ, con', 'HT', 'xa', ['birthDeclaration', 'birthNotice', 'identityCard', 'application'], ['KQ.001', 'KQ.004'], '03 ngày làm việc', 'Miễn lệ phí'],
  ['1.001776', 'Xác nhận hộ gia đình làm nông nghiệp, lâm nghiệp có mức sống trung bình', 'BTXH', 'xa', ['application', 'residenceConfirmation'], ['KQ.019'], '15 ngày', 'Không'],
  ['1.001731', 'Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng', 'BTXH', 'huyen', ['application', 'identityCard', 'residenceConfirmation'], ['KQ.011'], '22 ngày làm việc', 'Không'],
  ['2.000720', 'Đăng ký thành lập hộ kinh doanh', 'HKD', 'huyen', ['householdBusinessForm', 'identityCard', 'familyMinutes'], ['KQ.007'], '03 ngày làm việc', '100.000 đồng'],
  ['2.000575', 'Đăng ký thay đổi nội dung đăng ký hộ kinh doanh', 'HKD', 'huyen', ['householdBusinessForm', 'householdBusinessCertificate', 'identityCard'], ['KQ.007'], '03 ngày làm việc', '100.000 đồng'],
  ['2.000644', 'Tạm ngừng hoạt động hộ kinh doanh', 'HKD', 'huyen', ['application', 'householdBusinessCertificate'], ['KQ.019'], '03 ngày làm việc', 'Không'],
  ['2.000614', 'Chấm dứt hoạt động hộ kinh doanh', 'HKD', 'huyen', ['application', 'householdBusinessCertificate', 'identityCard'], ['KQ.019'], '03 ngày làm việc', 'Không'],
  ['1.009999', 'Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ', 'XD', 'huyen', ['permitApplication', 'landUseCertificate', 'designDrawings', 'identityCard'], ['KQ.008'], '15 ngày', '75.000 đồng/giấy phép'],
  ['1.010000', 'Cấp giấy phép sửa chữa, cải tạo đối với nhà ở riêng lẻ', 'XD', 'huyen', ['permitApplication', 'landUseCertificate', 'designDrawings'], ['KQ.008'], '15 ngày', '75.000 đồng/giấy phép'],
  ['1.010001', 'Gia hạn giấy phép xây dựng đối với nhà ở riêng lẻ', 'XD', 'huyen', ['application', 'landUseCertificate'], ['KQ.008'], '05 ngày làm việc', '15.000 đồng/giấy phép'],
  ['1.001766', 'Đăng ký kết hôn có yếu tố nước ngoài', 'HT', 'huyen', ['marriageDeclaration', 'identityCard', 'maritalStatus', 'healthCertificate'], ['KQ.002'], '15 ngày', '1.000.000 đồng'],
  ['1.001702', 'Đăng ký khai sinh có yếu tố nước ngoài', 'HT', 'huyen', ['birthDeclaration', 'birthNotice', 'identityCard'], ['KQ.001'], '03 ngày làm việc', '75.000 đồng'],
  ['1.003003', 'Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu', 'DD', 'huyen', ['landRegistration', 'identityCard', 'residenceConfirmation'], ['KQ.010'], '20 ngày làm việc', 'Theo quy định của HĐND tỉnh'],
  ['1.004227', 'Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất', 'DD', 'huyen', ['landRegistration', 'landUseCertificate', 'transferContract', 'identityCard'], ['KQ.010'], '10 ngày làm việc', 'Theo quy định của HĐND tỉnh'],
  ['1.004203', 'Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền', 'DD', 'huyen', ['application', 'landUseCertificate'], ['KQ.011'], '15 ngày', 'Theo quy định của HĐND tỉnh'],
  ['1.005194', 'Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất', 'DD', 'huyen', ['application', 'identityCard', 'residenceConfirmation'], ['KQ.010'], '10 ngày làm việc', 'Theo quy định của HĐND tỉnh'],
  ['1.001758', 'Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội', 'BTXH', 'huyen', ['application', 'deathNotice', 'identityCard'], ['KQ.011'], '03 ngày làm việc', 'Không'],
  ['1.005097', 'Chuyển trường đối với học sinh trung học cơ sở', 'GD', 'huyen', ['application', 'birthCertificateCopy', 'residenceConfirmation'], ['KQ.019'], '03 ngày làm việc', 'Không'],
  ['2.000633', 'Cấp Giấy phép bán lẻ rượu', 'TM', 'huyen', ['application', 'householdBusinessCertificate', 'identityCard'], ['KQ.023'], '10 ngày làm việc', '1.100.000 đồng'],
  ['2.000488', 'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam', 'LLTP', 'tinh', ['criminalRecordForm', 'identityCard', 'residenceConfirmation'], ['KQ.012'], '10 ngày', '200.000 đồng/lần/người'],
  ['2.000505', 'Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng', 'LLTP', 'tinh', ['application', 'identityCard'], ['KQ.012'], '10 ngày', 'Không'],
  ['1.001125', 'Đăng ký hoạt động Văn phòng công chứng', 'CC', 'tinh', ['application', 'practiceCertificate', 'identityCard'], ['KQ.014'], '10 ngày làm việc', '1.000.000 đồng'],
  ['2.002039', 'Đăng ký thành lập doanh nghiệp tư nhân', 'DN', 'tinh', ['companyForm', 'identityCard'], ['KQ.009'], '03 ngày làm việc', '50.000 đồng'],
  ['2.002040', 'Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên', 'DN', 'tinh', ['companyForm', 'charter', 'identityCard'], ['KQ.009'], '03 ngày làm việc', '50.000 đồng'],
  ['2.002041', 'Đăng ký thành lập công ty cổ phần', 'DN', 'tinh', ['companyForm', 'charter', 'members', 'identityCard'], ['KQ.009'], '03 ngày làm việc', '50.000 đồng'],
  ['2.002045', 'Đăng ký thay đổi người đại diện theo pháp luật của công ty', 'DN', 'tinh', ['application', 'companyCertificate', 'identityCard'], ['KQ.009'], '03 ngày làm việc', '50.000 đồng'],
  ['1.009972', 'Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II', 'XD', 'tinh', ['permitApplication', 'landUseCertificate', 'designDrawings'], ['KQ.008'], '20 ngày', '150.000 đồng/giấy phép'],
  ['1.009958', 'Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III', 'XD', 'tinh', ['application', 'diploma', 'photo', 'identityCard'], ['KQ.015'], '20 ngày', '300.000 đồng/chứng chỉ'],
  ['1.002809', 'Đổi giấy phép lái xe do ngành Giao thông vận tải cấp', 'DB', 'tinh', ['application', 'drivingLicence', 'healthCertificate', 'identityCard'], ['KQ.013'], '05 ngày làm việc', '135.000 đồng'],
  ['1.002804', 'Cấp lại giấy phép lái xe', 'DB', 'tinh', ['application', 'healthCertificate', 'photo', 'identityCard'], ['KQ.013'], '10 ngày làm việc', '135.000 đồng'],
  ['1.002861', 'Cấp phù hiệu xe ô tô kinh doanh vận tải', 'DB', 'tinh', ['application', 'companyCertificate'], ['KQ.021'], '02 ngày làm việc', 'Không'],
  ['1.003567', 'Cấp giấy phép hoạt động đối với phòng khám chuyên khoa', 'KCB', 'tinh', ['application', 'practiceCertificate', 'companyCertificate'], ['KQ.014'], '45 ngày', '4.300.000 đồng'],
  ['1.004575', 'Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh', 'KCB', 'tinh', ['application', 'diploma', 'healthCertificate', 'photo', 'identityCard'], ['KQ.015'], '30 ngày', '360.000 đồng'],
  ['1.010727', 'Cấp giấy phép môi trường (cấp tỉnh)', 'MT', 'tinh', ['application', 'environmentReport', 'landUseCertificate'], ['KQ.016'], '30 ngày', 'Theo quy định của HĐND tỉnh'],
  ['1.004223', 'Cấp giấy phép khai thác, sử dụng nước dưới đất', 'TNN', 'tinh', ['application', 'environmentReport'], ['KQ.022'], '30 ngày', 'Theo quy định của HĐND tỉnh'],
  ['1.000459', 'Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam', 'LD', 'tinh', ['application', 'healthCertificate', 'diploma', 'photo', 'labourContract'], ['KQ.017'], '05 ngày làm việc', '600.000 đồng/giấy phép'],
  ['1.001978', 'Giải quyết hưởng trợ cấp thất nghiệp', 'LD', 'tinh', ['application', 'dismissal', 'insuranceBook', 'identityCard'], ['KQ.011'], '20 ngày', 'Không'],
  ['1.005092', 'Cấp bản sao văn bằng, chứng chỉ từ sổ gốc', 'GD', 'tinh', ['application', 'identityCard'], ['KQ.020'], 'Ngay trong ngày làm việc', 'Không'],
  ['1.005088', 'Công nhận văn bằng tốt nghiệp do cơ sở giáo dục nước ngoài cấp', 'GD', 'tinh', ['application', 'diploma', 'identityCard'], ['KQ.019'], '20 ngày', 'Không'],
  ['2.001823', 'Đăng ký thường trú kết hợp xác nhận thông tin về cư trú', 'HT', 'xa', ['application', 'identityCard', 'birthCertificateCopy'], ['KQ.024'], '07 ngày làm việc', '20.000 đồng'],
  ['1.001612', 'Xác nhận thông tin hộ tịch', 'HT', 'xa', ['application', 'identityCard', 'residenceConfirmation'], ['KQ.004'], '03 ngày làm việc', 'Miễn lệ phí'],
  ['1.000001', 'Đăng ký khai sinh lưu động (đã bãi bỏ)', 'HT', 'xa', ['birthDeclaration', 'identityCard'], ['KQ.001'], '05 ngày làm việc', 'Miễn lệ phí'],
]

const AGENCIES: Agency[] = [
  { code: '000.00.00.G06', name: 'Bộ Kế hoạch và Đầu tư' },
  { code: '000.00.00.G10', name: 'Bộ Xây dựng' },
  { code: '000.00.00.G11', name: 'Bộ Tài nguyên và Môi trường' },
  { code: '000.00.00.G12', name: 'Bộ Tư pháp' },
  { code: '000.00.00.G13', name: 'Bộ Lao động - Thương binh và Xã hội' },
  { code: '000.00.00.G14', name: 'Bộ Giáo dục và Đào tạo' },
  { code: '000.00.00.G15', name: 'Bộ Y tế' },
  { code: '000.00.00.G16', name: 'Bộ Giao thông vận tải' },
  { code: '000.00.00.G17', name: 'Bộ Công Thương' },
  { code: SANDBOX_PROVINCE_CODE, name: 'UBND tỉnh Quảng Ngãi (sandbox)' },
  { code: '000.00.01.H48', name: 'Văn phòng UBND tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.05.H48', name: 'Sở Tư pháp tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.06.H48', name: 'Sở Tài chính tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.10.H48', name: 'Sở Xây dựng tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.11.H48', name: 'Sở Nông nghiệp và Môi trường tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.12.H48', name: 'Sở Nội vụ tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.13.H48', name: 'Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.14.H48', name: 'Sở Y tế tỉnh Quảng Ngãi', parentCode: SANDBOX_PROVINCE_CODE },
  // Communes directly under the province since 1 July 2025 (no district level).
  { code: '000.00.61.H48', name: 'UBND phường Kon Tum', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.62.H48', name: 'UBND xã Đăk Hà', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.64.H48', name: 'UBND phường Cẩm Thành', parentCode: SANDBOX_PROVINCE_CODE },
  { code: '000.00.00.H20', name: 'UBND tỉnh Gia Lai' },
  { code: '000.00.05.H20', name: 'Sở Tư pháp tỉnh Gia Lai', parentCode: '000.00.00.H20' },
  { code: '000.00.00.H15', name: 'UBND tỉnh Đắk Lắk' },
  { code: '000.00.00.H58', name: 'UBND tỉnh Bình Định' },
]

const nameOf = (code: string) => AGENCIES.find((a) => a.code === code)?.name ?? code

function performers(field: keyof typeof FIELDS, level: Level, index: number): string[] {
  if (level === 'tinh') return [FIELDS[field]!.department]
  // Former district procedures: the communes took them over (no district level since 2025).
  if (level === 'huyen') return COMMUNES
  // Commune procedures: each performed by two of the three communes, varying with the row.
  return COMMUNES.filter((_, i) => i !== index % COMMUNES.length)
}

/** Deterministic channels: always in person; most online; some by post. */
function channels(index: number, timeLimit: string, fee: string): Procedure['channels'] {
  const out: Procedure['channels'] = [{ channel: 'in_person', timeLimit, fee }]
  if (index % 5 !== 4) out.push({ channel: 'online', timeLimit, fee })
  if (index % 3 === 0) out.push({ channel: 'post', timeLimit })
  return out
}

/** The seeded procedures (fresh objects on every call). */
export function sandboxProcedures(): Procedure[] {
  return ROWS.map(([code, name, field, level, papers, results, timeLimit, fee], index) => {
    const f = FIELDS[field]!
    return {
      code,
      name,
      publishingAgencyCode: f.ministry,
      fields: [{ code: field, name: f.name }],
      channels: channels(index, timeLimit, fee),
      requiredPapers: papers.map((key) => ({ ...P[key]! })),
      results: results.map((r) => ({ code: r, name: R[r]! })),
      agencies: performers(field, level, index).map((c) => ({ code: c, name: nameOf(c) })),
      active: code !== SANDBOX_PROCEDURES.withdrawn,
    }
  })
}

/** The seeded agencies: ministries, the sandbox province with its departments and communes (directly under it), other provinces. */
export function sandboxAgencies(): Agency[] {
  return AGENCIES.map((a) => ({ ...a }))
}
