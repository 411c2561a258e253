"""The words of the sign-in pages: zh-TW by default, English on request (``lang=en``, or
``ui_locales`` of the authorization request)."""
from __future__ import annotations

DEFAULT = "zh-TW"
LANGUAGES = ("zh-TW", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "site": "全國教師在職進修資訊網",
        "sign_in": "登入",
        "sign_in_title": "帳號登入",
        "signing_in_to": "登入後將前往：",
        "username": "帳號",
        "password": "密碼",
        "submit": "登入",
        "or_county": "或以縣市帳號登入（帳號漫遊）",
        "county_sign_in": "以縣市帳號登入",
        "county_username": "縣市帳號",
        "county_password": "縣市密碼",
        "wrong_credentials": "帳號或密碼錯誤。",
        "locked": "登入失敗次數過多，請稍後再試。",
        "county_unavailable": "縣市帳號服務暫時無法使用，請稍後再試或改用本網帳號登入。",
        "county_refused": "縣市帳號或密碼錯誤。",
        "bad_form": "表單已逾時，請重新操作。",
        "signed_in": "您已登入。",
        "signed_out": "您已登出。",
        "home": "回首頁",
        "logout_title": "登出",
        "logout_confirm": "確定要登出全國教師在職進修資訊網嗎？",
        "logout_submit": "登出",
        "link_title": "連結縣市帳號",
        "link_intro": "這是您第一次以{county}帳號登入。請輸入本網（教師進修網）的帳號與密碼一次，確認兩者為同一人，之後即可直接以縣市帳號登入。",
        "link_proposed": "所屬縣市的區域管理中心已核對您的身分，並建議將此縣市帳號連結到一個本網帳號。請輸入該本網帳號的帳號與密碼一次，連結才會生效。",
        "link_reviewer": "若您忘記本網密碼，請先在登入頁以「忘記密碼？」設定新密碼，再以縣市帳號登入並完成連結；所屬縣市的區域管理中心也可協助核對身分，但連結仍須您以本網密碼確認一次。",
        "link_submit": "確認並連結",
        "link_not_teacher": "只有教師個人帳號可以連結縣市帳號。",
        "link_taken": "此縣市帳號或您的本網帳號已連結過，請洽區域管理中心。",
        "error_title": "無法完成登入",
        "unknown_client": "此網站未向本網登記帳號漫遊。",
        "bad_redirect_uri": "此網站的返回網址未向本網登記，為保護您的安全，本網不會轉址。",
        "client_closed": "此網站的帳號漫遊目前未開放。",
        "bad_logout": "登出要求無法驗證，為保護您的安全，本網不會轉址。",
        "account_unavailable": "此帳號目前無法登入，請洽管理者。",
        "forgot_link": "忘記密碼？",
        "forgot_title": "忘記密碼",
        "forgot_intro": "請輸入您的帳號，我們會把設定新密碼的連結寄到帳號登記的電子郵件信箱。",
        "forgot_submit": "寄送連結",
        "forgot_sent": "若此帳號存在且登記了電子郵件，設定密碼的連結已寄出，請於一小時內使用。",
        "setup_title": "設定密碼",
        "new_password": "新密碼（至少 10 個字元，不可包含帳號）",
        "new_password_again": "再輸入一次新密碼",
        "setup_submit": "設定密碼",
        "setup_mismatch": "兩次輸入的密碼不同。",
        "setup_weak": "這個密碼不能使用",
        "setup_expired": "此連結已使用過或已逾期，請重新申請。",
        "setup_done": "密碼已設定，請以新密碼登入。",
        "language": "English",
    },
    "en": {
        "site": "National In-Service Teacher Training Network",
        "sign_in": "Sign in",
        "sign_in_title": "Sign in",
        "signing_in_to": "After signing in you go on to:",
        "username": "Username",
        "password": "Password",
        "submit": "Sign in",
        "or_county": "Or sign in with your county account (roaming)",
        "county_sign_in": "Sign in with your county account",
        "county_username": "County username",
        "county_password": "County password",
        "wrong_credentials": "Wrong username or password.",
        "locked": "Too many failed attempts. Please try again later.",
        "county_unavailable": "The county's sign-in service is not available now. Try again later or use your platform account.",
        "county_refused": "Wrong county username or password.",
        "bad_form": "This form has expired. Please start again.",
        "signed_in": "You are signed in.",
        "signed_out": "You are signed out.",
        "home": "Home",
        "logout_title": "Sign out",
        "logout_confirm": "Sign out of the National In-Service Teacher Training Network?",
        "logout_submit": "Sign out",
        "link_title": "Link your county account",
        "link_intro": "This is your first sign-in with your {county} account. Enter your platform username and password once to confirm both are you; afterwards your county account signs you in directly.",
        "link_proposed": "Your county's regional centre has checked who you are and proposes to link this county account to a platform account. Enter that platform account's username and password once for the link to take effect.",
        "link_reviewer": "If you do not remember your platform password, set a new one with \"Forgot your password?\" on the sign-in page, then sign in with your county account again to link it. Your county's regional centre can also check who you are, but the link still needs your platform password once.",
        "link_submit": "Confirm and link",
        "link_not_teacher": "Only teacher accounts can be linked to a county account.",
        "link_taken": "This county account, or your platform account, is linked already. Please contact your regional centre.",
        "error_title": "Sign-in cannot continue",
        "unknown_client": "This site is not registered for sign-in with this platform.",
        "bad_redirect_uri": "This site's return address is not registered; for your safety you are not sent there.",
        "client_closed": "Sign-in for this site is not open.",
        "bad_logout": "This sign-out request cannot be verified; for your safety you are not sent anywhere.",
        "account_unavailable": "This account cannot sign in now. Please contact the administrator.",
        "forgot_link": "Forgot your password?",
        "forgot_title": "Forgot your password",
        "forgot_intro": "Enter your username; a link to set a new password goes to the e-mail address on the account.",
        "forgot_submit": "Send the link",
        "forgot_sent": "If the account exists and has an e-mail address, a link to set a password is on its way; it works for one hour.",
        "setup_title": "Set your password",
        "new_password": "New password (at least 10 characters, not containing the username)",
        "new_password_again": "The new password again",
        "setup_submit": "Set the password",
        "setup_mismatch": "The two passwords differ.",
        "setup_weak": "This password cannot be used",
        "setup_expired": "This link was used or has expired; please ask for a new one.",
        "setup_done": "Your password is set. Sign in with it.",
        "language": "中文",
    },
}


def pick(requested: str | None, ui_locales: str | None = None) -> str:
    for candidate in (requested, *(ui_locales or "").split()):
        if candidate and candidate.lower().startswith("en"):
            return "en"
        if candidate and candidate.lower().startswith("zh"):
            return DEFAULT
    return DEFAULT


def translator(language: str):
    messages = MESSAGES.get(language, MESSAGES[DEFAULT])

    def t(key: str, **values: str) -> str:
        text = messages.get(key, MESSAGES[DEFAULT].get(key, key))
        return text.format(**values) if values else text
    return t
