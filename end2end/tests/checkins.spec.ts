import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { ADMIN, ADMIN_PASSWORD, beijingDate, failOnPageErrors, fixture, shot, signIn, signUpAndPay } from "./helpers";

const CAMP = `跑步打卡营${Date.now() % 100000}`;
const PLANET_ID = "48418518458";

// PRD §4.1.4, §4.2.3: check-ins posted on Knowledge Planet (the sandbox
// simulator), a sync started from the admin, and the member's progress page.
test("check-ins added in the sandbox are synced from the admin and the member sees the requirement met", async ({ browser, page, request }) => {
  const login = await request.post("/api/v1/auth/login", { data: { username: ADMIN, password: ADMIN_PASSWORD } });
  const { csrf_token } = await login.json();
  const headers = { "x-csrf-token": csrf_token };
  const coach = await (await request.post("/api/v1/users", {
    headers, data: { username: `coach_ck${Date.now() % 100000}`, password: "Coach-pass-123", role: "coach", enabled: true },
  })).json();
  const upload = async (kind: string, file: string) =>
    (await (await request.post(`/api/v1/uploads?kind=${kind}`, {
      headers: { ...headers, "content-type": "image/png" }, data: fs.readFileSync(fixture(file)),
    })).json()).id;
  // Started today (Beijing), so today's post counts; one day of three required.
  const created = await request.post("/api/v1/admin/camps", {
    headers,
    data: {
      name: CAMP, poster_upload_id: await upload("poster", "poster.png"), group_qr_upload_id: await upload("group_qr", "group-qr.png"),
      deposit_fen: 3000, start_date: beijingDate(0), end_date: beijingDate(2), total_days: 3, required_days: 1,
      intro_html: "<p>每天跑步。</p>", coach_ids: [coach.id], volunteer_ids: [],
      planet_project_id: "52222222", wecom_payee_id: "payee_03",
    },
  });
  expect(created.ok()).toBeTruthy();
  const campId = (await created.json()).id as number;

  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: "zh-CN" });
  const member = await phone.newPage();
  const memberErrors = failOnPageErrors(member);
  await signUpAndPay(member, campId, { nickname: "爱跑步的小王", planetId: PLANET_ID, wechat: "wang_runner" });
  await member.getByRole("link", { name: "查看我的打卡进度" }).click();
  await expect(member.getByText("已打卡 0 天")).toBeVisible();
  const progressUrl = member.url();

  // Staff: the camp's 打卡情况 tab, a post in the simulator, then 立即同步.
  const staffErrors = failOnPageErrors(page);
  await signIn(page);
  await page.goto(`/admin/camps/${campId}`);
  await expect(async () => {
    await page.getByRole("button", { name: "打卡情况" }).click();
    await expect(page.getByRole("heading", { name: "同步记录" })).toBeVisible({ timeout: 2_000 });
  }).toPass();
  const tools = page.getByTestId("sandbox-checkins");
  await tools.locator('input[name="user_id"]').fill(PLANET_ID);
  await tools.locator('input[name="name"]').fill("爱跑步的小王");
  await tools.locator('input[name="from"]').fill(beijingDate(0));
  await tools.locator('input[name="to"]').fill(beijingDate(0));
  await tools.locator('input[name="time"]').fill("00:05");
  await tools.getByRole("button", { name: "添加打卡" }).click();
  await expect(page.getByRole("alert")).toContainText("已在模拟器中添加1条打卡");

  await page.getByRole("button", { name: "立即同步" }).click();
  const runs = page.getByTestId("sync-runs");
  await expect(runs.locator('[data-run-status="succeeded"]').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('[data-stat="eligible"]')).toHaveText("1", { timeout: 10_000 });
  await expect(page.locator('[data-stat="total"]')).toHaveText("1");
  await expect(page.getByRole("row", { name: /爱跑步的小王/ }).locator(".el-calendar-cell.done")).toHaveCount(1);
  await shot(page, "admin-camp-checkins");

  // The records list and the member's match panel show the same post.
  await page.locator(".admin-sidebar").getByRole("link", { name: "打卡管理" }).click();
  const record = page.getByRole("row", { name: new RegExp(PLANET_ID) });
  await expect(record).toContainText("爱跑步的小王");
  await expect(record).toContainText(beijingDate(0));
  await shot(page, "admin-checkins");
  await record.getByRole("link", { name: "爱跑步的小王" }).click();
  await expect(page.locator('[data-match-status="matched"]')).toBeVisible();
  await expect(page.getByTestId("checkin-days")).toHaveText("1天");
  await shot(page, "admin-member-match");
  staffErrors();

  // The member's page, refreshed: the day counted and the requirement met.
  await member.goto(progressUrl);
  await expect(member.getByText("已打卡 1 天")).toBeVisible();
  await expect(member.getByText("✅ 已满足退款条件")).toBeVisible();
  await expect(member.getByText(/最近更新：/)).toBeVisible();
  await shot(member, "h5-progress-met");
  memberErrors();
  await phone.close();
});
