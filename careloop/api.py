"""The REST API at /api/v1/: one NinjaAPI, each app adds its router."""

from careloop.core.api_auth import SessionAuth, TokenAuth
from careloop.core.api_docs import CareLoopAPI
from careloop.core.api_errors import install_error_handlers

api = CareLoopAPI(
    title="CareLoop API",
    version="1",
    description=(
        "CareLoop 客戶關懷系統 API。以個人 API 金鑰（Authorization: Bearer …）或登入工作階段驗證。"
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
install_error_handlers(api)

from careloop.access.api import router as access_router  # noqa: E402
from careloop.accounts.api import router as accounts_router  # noqa: E402
from careloop.compensation.api import router as compensation_router  # noqa: E402
from careloop.complaints.api import router as complaints_router  # noqa: E402
from careloop.complaints.library_api import router as library_router  # noqa: E402
from careloop.customers.api import router as customers_router  # noqa: E402
from careloop.notifications.api import router as notifications_router  # noqa: E402
from careloop.privacy.api import router as privacy_router  # noqa: E402
from careloop.replies.api import router as replies_router  # noqa: E402
from careloop.surveys.api import router as surveys_router  # noqa: E402
from careloop.treatments.api import router as treatments_router  # noqa: E402
from careloop.workcalendar.api import router as workcalendar_router  # noqa: E402
from careloop.worklist.api import router as worklist_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/", customers_router)
api.add_router("/", worklist_router)
api.add_router("/", treatments_router)
api.add_router("/", workcalendar_router)
api.add_router("/", notifications_router)
api.add_router("/", access_router)
api.add_router("/", complaints_router)
api.add_router("/", library_router)
api.add_router("/", compensation_router)
api.add_router("/", replies_router)
api.add_router("/", surveys_router)
api.add_router("/", privacy_router)
