"""User-facing Vietnamese texts of the Telegram channel (dialogue texts live in the domain)."""

from __future__ import annotations

from vssid.settings import HOTLINE

NON_TEXT = (
    "Xin lỗi, hiện tôi chỉ đọc được tin nhắn dạng chữ. Bạn vui lòng gõ câu hỏi của mình thành tin nhắn nhé."
)
EDITED = (
    "Tôi chưa xử lý được tin nhắn đã chỉnh sửa. Bạn vui lòng gửi lại nội dung thành một tin nhắn mới nhé."
)
PRIVATE_ONLY = (
    "Để bảo vệ thông tin cá nhân của bạn, Trợ lý VssID chỉ trả lời trong cuộc trò chuyện riêng. "
    "Bạn vui lòng nhắn tin trực tiếp cho tôi nhé."
)
TOO_FAST = "Bạn đang gửi tin nhắn hơi nhanh. Bạn vui lòng chờ một chút rồi nhắn tiếp nhé."
TOO_LONG = "Tin nhắn của bạn dài quá. Bạn vui lòng gửi ngắn gọn hơn, hoặc chia thành nhiều tin nhắn nhé."
BUTTON_EXPIRED = "Nút này đã hết hạn. Bạn vui lòng gõ lại câu hỏi nhé."
SYSTEM_ERROR = (
    "Xin lỗi, hệ thống đang gặp sự cố. "
    f"Bạn vui lòng thử lại sau ít phút hoặc gọi tổng đài {HOTLINE} để được hỗ trợ."
)
HELP_INTRO = (
    "Tôi có thể giúp bạn về các chủ đề dưới đây. "
    "Bạn bấm vào một chủ đề, hoặc gõ câu hỏi của mình bằng tiếng Việt nhé."
)
HELP_FOOTER = f'Cần gặp người hỗ trợ? Bấm "Gặp nhân viên" hoặc gọi tổng đài {HOTLINE}.'

# Shown when kb/ is not available; topic names are the fixed FAQ retrieval intents.
FALLBACK_TOPICS: tuple[tuple[str, str], ...] = (
    ("what_is_vssid", "VssID là gì?"),
    ("install_app", "Cài đặt ứng dụng VssID"),
    ("register_account", "Đăng ký tài khoản"),
    ("forgot_password", "Quên mật khẩu"),
    ("change_phone", "Đổi số điện thoại"),
    ("bhyt_card_in_app", "Thẻ BHYT trên ứng dụng"),
    ("support_contact", "Liên hệ hỗ trợ"),
)
EXTRA_HELP_BUTTONS: tuple[tuple[str, str], ...] = (
    ("Tra cứu mã số BHXH", "/lookup_bhxh_code"),
    ("Gặp nhân viên", "/request_human"),
)

BOT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Bắt đầu trò chuyện với Trợ lý VssID"),
    ("help", "Các chủ đề Trợ lý VssID hỗ trợ"),
)
