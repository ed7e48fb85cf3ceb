"""Holds our WeChat Pay v3 simulator and client against the third-party SDK
`wechatpayv3` (PyPI, 2.0.4): the SDK's signed requests must be accepted by the
simulator, the SDK must verify the simulator's signed answers (it raises
otherwise) and its signed, encrypted notifications (payment and refund), the
SDK's refund calls must work against the simulator (create, idempotent retry,
query), and the SDK must compute the same Authorization signature as our
client for the same request.

Run by server/tests/api/wechatpay_sdk.rs with one argument: a JSON file with
the merchant and sandbox settings. Exits non-zero on the first mismatch.
"""
import json
import sys
import time
import uuid

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import build_authorization


def check(condition, what):
    if not condition:
        print("FAILED:", what, file=sys.stderr)
        sys.exit(1)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=cfg["mchid"],
        private_key=cfg["merchant_private_key"],
        cert_serial_no=cfg["merchant_serial"],
        appid=cfg["appid"],
        apiv3_key=cfg["api_v3_key"],
        notify_url=cfg["notify_url"],
        public_key=cfg["platform_public_key"],
        public_key_id=cfg["platform_public_key_id"],
        timeout=(5, 10),
    )
    # The SDK's gateway is fixed to api.mch.weixin.qq.com; point it at the sandbox.
    wxpay._core._gate_way = cfg["base"] + "/sandbox/wechatpay"

    out_trade_no = "SDK" + uuid.uuid4().hex[:20].upper()
    expire = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600 + 3600))
    # The SDK verifies the answer's signature and raises if it does not check out.
    code, message = wxpay.pay(
        description="训练营押金-SDK", out_trade_no=out_trade_no,
        amount={"total": 9900, "currency": "CNY"}, time_expire=expire,
    )
    check(code == 200, f"native prepay accepted: {code} {message}")
    check(json.loads(message).get("code_url"), f"code_url in {message}")

    code, message = wxpay.query(out_trade_no=out_trade_no)
    check(code == 200 and json.loads(message)["trade_state"] == "NOTPAY", f"query: {code} {message}")

    # As strict as WeChat Pay: fractional seconds and a notify URL with a query are refused.
    code, message = wxpay.pay(
        description="x", out_trade_no="SDK" + uuid.uuid4().hex[:20].upper(),
        amount={"total": 1}, time_expire=expire.replace("+08:00", ".123+08:00"),
    )
    check(code == 400 and json.loads(message)["code"] == "PARAM_ERROR", f"time_expire refused: {code} {message}")
    code, message = wxpay.pay(
        description="x", out_trade_no="SDK" + uuid.uuid4().hex[:20].upper(),
        amount={"total": 1}, notify_url=cfg["notify_url"] + "?x=1",
    )
    check(code == 400 and json.loads(message)["code"] == "PARAM_ERROR", f"notify_url refused: {code} {message}")

    # Pay in the cashier, then verify and decrypt the notification with the SDK.
    paid = requests.post(cfg["base"] + f"/sandbox/wechatpay/cashier/{out_trade_no}/pay", allow_redirects=False, timeout=10)
    check(paid.status_code in (302, 303), f"cashier pay: {paid.status_code}")
    preview = requests.get(cfg["base"] + f"/sandbox/wechatpay/control/notification/{out_trade_no}", timeout=10).json()
    result = wxpay.callback(headers=preview["headers"], body=preview["body"])
    check(result is not None, "the SDK verifies and decrypts the notification")
    resource = result["resource"]
    check(resource["out_trade_no"] == out_trade_no and resource["trade_state"] == "SUCCESS", f"notification: {resource}")
    check(resource["amount"]["total"] == 9900, f"amount: {resource}")
    tampered = dict(preview["headers"])
    tampered["wechatpay-timestamp"] = str(int(tampered["wechatpay-timestamp"]) + 1)
    check(wxpay.callback(headers=tampered, body=preview["body"]) is None, "a tampered notification is refused")

    check_refund(cfg, wxpay, out_trade_no)

    # Close another order: a signed 204 the SDK verifies.
    other = "SDK" + uuid.uuid4().hex[:20].upper()
    code, _ = wxpay.pay(description="x", out_trade_no=other, amount={"total": 1})
    check(code == 200, "second order")
    code, message = wxpay.close(out_trade_no=other)
    check(code == 204, f"close: {code} {message}")

    # Our client's Authorization for a fixed request matches the SDK's signature
    # (PKCS#1 v1.5 signatures are deterministic).
    ours = cfg["our_authorization"]
    time_now = time.time
    time.time = lambda: float(ours["timestamp"])
    try:
        theirs = build_authorization(
            ours["path"], ours["method"], cfg["mchid"], cfg["merchant_serial"],
            wxpay._core._private_key, data=ours["body"], nonce_str=ours["nonce"],
        )
    finally:
        time.time = time_now
    fields = lambda header: dict(
        part.split("=", 1) for part in header.split(" ", 1)[1].split(",")
    )
    check(fields(theirs) == fields(ours["header"]), f"signatures differ:\n{theirs}\n{ours['header']}")
    print("wechatpayv3 agrees with our simulator and client")


def check_refund(cfg, wxpay, out_trade_no):
    """Refund the paid order with the SDK, retry it, query it, and verify and
    decrypt its REFUND.SUCCESS notification."""
    out_refund_no = "RFSDK" + uuid.uuid4().hex[:20].upper()
    amount = {"refund": 9900, "total": 9900, "currency": "CNY"}
    code, message = wxpay.refund(
        out_refund_no=out_refund_no, amount=amount, out_trade_no=out_trade_no,
        reason="训练营押金退还", notify_url=cfg["refund_notify_url"],
    )
    check(code == 200, f"refund accepted: {code} {message}")
    first = json.loads(message)
    check(first["status"] in ("PROCESSING", "SUCCESS") and first["out_refund_no"] == out_refund_no, f"refund: {first}")
    # The same number and body again: the same refund.
    code, message = wxpay.refund(
        out_refund_no=out_refund_no, amount=amount, out_trade_no=out_trade_no,
        reason="训练营押金退还", notify_url=cfg["refund_notify_url"],
    )
    check(code == 200 and json.loads(message)["refund_id"] == first["refund_id"], f"idempotent refund: {code} {message}")
    # The same number with another amount: INVALID_REQUEST.
    code, message = wxpay.refund(
        out_refund_no=out_refund_no, amount={"refund": 1, "total": 9900, "currency": "CNY"},
        out_trade_no=out_trade_no, notify_url=cfg["refund_notify_url"],
    )
    check(code == 400 and json.loads(message)["code"] == "INVALID_REQUEST", f"changed refund refused: {code} {message}")
    # Until it settles, then the query says SUCCESS.
    for _ in range(50):
        code, message = wxpay.query_refund(out_refund_no=out_refund_no)
        check(code == 200, f"refund query: {code} {message}")
        if json.loads(message)["status"] == "SUCCESS":
            break
        time.sleep(0.2)
    refund = json.loads(message)
    check(refund["status"] == "SUCCESS" and refund["amount"]["refund"] == 9900 and refund.get("success_time"), f"settled refund: {refund}")
    code, message = wxpay.query_refund(out_refund_no="RFSDKNOSUCHREFUND")
    check(code == 404 and json.loads(message)["code"] == "RESOURCE_NOT_EXISTS", f"unknown refund: {code} {message}")

    preview = requests.get(cfg["base"] + f"/sandbox/wechatpay/control/refund-notification/{out_refund_no}", timeout=10).json()
    result = wxpay.callback(headers=preview["headers"], body=preview["body"])
    check(result is not None, "the SDK verifies and decrypts the refund notification")
    check(result["event_type"] == "REFUND.SUCCESS", f"refund event: {result['event_type']}")
    notice = result["resource"]
    check(notice["out_refund_no"] == out_refund_no and notice["refund_status"] == "SUCCESS", f"refund notification: {notice}")
    check(notice["out_trade_no"] == out_trade_no and notice["amount"]["refund"] == 9900, f"refund amounts: {notice}")


if __name__ == "__main__":
    main()
