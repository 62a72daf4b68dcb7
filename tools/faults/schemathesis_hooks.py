"""Schemathesis hooks for tools/faults/schemathesis.sh: drop the two kinds of ST202 ("schema-valid request rejected")
that are not the API's fault, each matched narrowly so that any other rejection of valid data still fails the run.

1. A history row of another client: every row of `history` must carry the application's SK_ID_CURR. JSON Schema
   cannot say that one field equals another, so schemathesis generates such bodies as valid; the API's 400 naming the
   row ("belongs to SK_ID_CURR ..., not to the application's ...") is the documented behaviour.
   Likewise a bureau_balance row must belong to one of the applicant's bureau credits (its SK_ID_BUREAU); the 400
   naming the row ("has SK_ID_BUREAU ..., none of the applicant's bureau credits") is documented as well.
2. A path id that is not an integer: the stateful phase infers a link from GET /'s endpoint list and fills {id} with
   the literal template text '{id}', which violates the parameter's own schema (integer), so the 400 is right.
"""
import os
import re

import schemathesis

OTHER_CLIENTS_HISTORY = re.compile(r"history\.\w+\[\d+\] belongs to SK_ID_CURR .+, not to the application's ")
NO_SUCH_CREDIT = re.compile(
    r"history\.bureau_balance\[\d+\] has (SK_ID_BUREAU \S+, none of the applicant's bureau credits|no SK_ID_BUREAU)"
)


def _dropped(kind: str) -> bool:
    """Record a dropped failure (one line per kind in $ST_FILTERED_LOG, counted by schemathesis.sh); drop it."""
    log = os.environ.get("ST_FILTERED_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(kind + "\n")
    return False


def _path_id_is_not_integer(case) -> bool:
    value = (case.path_parameters or {}).get("id")
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep a failure unless it is one of the ST202 cases above."""
    if failure.code != "ST202" or response.status_code != 400:
        return True
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        return True
    if OTHER_CLIENTS_HISTORY.search(message):
        return _dropped("ST202 history row of another client (cross-field rule)")
    if NO_SUCH_CREDIT.search(message):
        return _dropped("ST202 bureau_balance row of no bureau credit of the applicant (cross-field rule)")
    if _path_id_is_not_integer(case) and message.startswith("invalid request: params.id must be an integer"):
        return _dropped("ST202 path id not an integer (stateful link filled with the text '{id}')")
    return True
