use server::Application;
use server::config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        // The same stream as the start-up banner, so the two never interleave.
        .with_writer(std::io::stderr)
        .init();
    let config = Config::load()?;
    let sandbox = config.sandbox;
    let app = Application::build(config).await?;
    tracing::info!("listening on http://{}", app.addr);
    let base = app.state.config.public_url.trim_end_matches('/').to_owned();
    let mut banner = format!(
        "\n  训练营押金自动退款系统 已启动{}\n",
        if sandbox { "（沙箱模式）" } else { "" }
    );
    banner.push_str(&format!("  会员端 H5:   {base}/h5\n  管理后台:    {base}/admin\n  API 文档:    {base}/api/openapi.json\n"));
    if let Some((username, password)) = &app.bootstrap_credentials {
        banner.push_str(&format!(
            "\n  首个超级管理员已创建（密码只显示这一次，请登录后妥善保存）：\n    用户名: {username}\n    密码:   {password}\n"
        ));
    }
    eprintln!("{banner}");
    app.run(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
