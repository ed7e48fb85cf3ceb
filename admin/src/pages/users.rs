//! PRD §4.2.6.1: staff accounts — add, edit, enable/disable, delete, reset password.

use leptos::prelude::*;
use shared::api::{CreateUserRequest, Me, UpdateUserRequest, UserDto};
use shared::client::ApiClient;
use shared::error::ApiError;
use shared::roles::Role;

use crate::components::{Dialog, FieldError, Message, datetime};

/// What the add/edit dialog is doing.
#[derive(Clone, PartialEq)]
enum Editing {
    New,
    Existing(i64),
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let client = expect_context::<ApiClient>();
    let me = expect_context::<Me>();
    let message = Message::new();
    let list_client = client.clone();
    let users = Resource::new(
        || (),
        move |_| {
            let client = list_client.clone();
            async move { client.list_users().await }
        },
    );

    let dialog = RwSignal::new(false);
    let editing = RwSignal::new(Editing::New);
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Coach);
    let enabled = RwSignal::new(true);
    let error = RwSignal::new(None::<ApiError>);
    let new_password = RwSignal::new(None::<(String, String)>);
    let password_dialog = RwSignal::new(false);

    let open_new = move |_| {
        editing.set(Editing::New);
        username.set(String::new());
        password.set(String::new());
        role.set(Role::Coach);
        enabled.set(true);
        error.set(None);
        dialog.set(true);
    };
    let open_edit = move |user: UserDto| {
        editing.set(Editing::Existing(user.id));
        username.set(user.username);
        role.set(user.role);
        enabled.set(user.enabled);
        error.set(None);
        dialog.set(true);
    };

    let save_client = client.clone();
    let save = Action::new(move |_: &()| {
        let client = save_client.clone();
        let (name, pass, role, enabled) = (
            username.get_untracked(),
            password.get_untracked(),
            role.get_untracked(),
            enabled.get_untracked(),
        );
        let editing = editing.get_untracked();
        async move {
            match editing {
                Editing::New => {
                    client
                        .create_user(&CreateUserRequest {
                            username: name,
                            password: pass,
                            role,
                            enabled,
                        })
                        .await
                }
                Editing::Existing(id) => {
                    client
                        .update_user(
                            id,
                            &UpdateUserRequest {
                                username: name,
                                role,
                                enabled,
                            },
                        )
                        .await
                }
            }
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(_)) => {
            dialog.set(false);
            message.success("已保存");
            users.refetch();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });

    let op_client = client.clone();
    let remove = Action::new(move |id: &i64| {
        let client = op_client.clone();
        let id = *id;
        async move { client.delete_user(id).await }
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => {
            message.success("已删除");
            users.refetch();
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });
    let reset = Action::new(move |user: &UserDto| {
        let client = client.clone();
        let user = user.clone();
        async move {
            client
                .reset_password(user.id)
                .await
                .map(|r| (user.username, r.password))
        }
    });
    Effect::new(move |_| match reset.value().get() {
        Some(Ok(pair)) => {
            new_password.set(Some(pair));
            password_dialog.set(true);
        }
        Some(Err(e)) => message.error(e.message),
        None => {}
    });

    let title = Signal::derive(move || {
        if editing.get() == Editing::New {
            "添加用户".to_owned()
        } else {
            "编辑用户".to_owned()
        }
    });
    view! {
        <leptos_meta::Title text="用户管理" />
        {message.view()}
        <div class="el-card">
            <div class="el-toolbar">
                <span class="el-toolbar-spacer"></span>
                <button class="el-button el-button-primary" on:click=open_new>"+ 添加用户"</button>
            </div>
            <table class="el-table">
                <thead>
                    <tr>
                        <th>"用户名"</th>
                        <th>"角色"</th>
                        <th>"创建时间"</th>
                        <th>"最后登录时间"</th>
                        <th>"状态"</th>
                        <th>"操作"</th>
                    </tr>
                </thead>
                <Transition fallback=|| view! { <tbody><tr><td colspan="6" class="el-table-empty">"加载中…"</td></tr></tbody> }>
                    <tbody>
                        {move || Suspend::new(async move {
                            match users.await {
                                Ok(list) => list
                                    .into_iter()
                                    .map(|user| {
                                        let is_me = user.id == me.id;
                                        let (for_edit, for_reset) = (user.clone(), user.clone());
                                        let id = user.id;
                                        let name = user.username.clone();
                                        view! {
                                            <tr>
                                                <td>{user.username.clone()}</td>
                                                <td>{user.role.label()}</td>
                                                <td>{datetime(user.created_at)}</td>
                                                <td>{user.last_login_at.map(datetime).unwrap_or_else(|| "从未登录".into())}</td>
                                                <td>
                                                    {if user.enabled {
                                                        view! { <span class="el-tag el-tag-success">"启用"</span> }
                                                    } else {
                                                        view! { <span class="el-tag el-tag-danger">"禁用"</span> }
                                                    }}
                                                </td>
                                                <td>
                                                    <div class="el-table-actions">
                                                        <button class="el-button-text" on:click=move |_| open_edit(for_edit.clone())>"编辑"</button>
                                                        <button
                                                            class="el-button-text"
                                                            on:click=move |_| {
                                                                if window().confirm_with_message(&format!("确定重置「{}」的密码吗？其现有登录将失效。", for_reset.username)).unwrap_or(false) {
                                                                    reset.dispatch(for_reset.clone());
                                                                }
                                                            }
                                                        >
                                                            "重置密码"
                                                        </button>
                                                        {(!is_me).then(|| view! {
                                                            <button
                                                                class="el-button-text danger"
                                                                on:click=move |_| {
                                                                    if window().confirm_with_message(&format!("确定删除用户「{name}」吗？")).unwrap_or(false) {
                                                                        remove.dispatch(id);
                                                                    }
                                                                }
                                                            >
                                                                "删除"
                                                            </button>
                                                        })}
                                                    </div>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()
                                    .into_any(),
                                Err(e) => view! { <tr><td colspan="6" class="el-table-empty">{e.message}</td></tr> }.into_any(),
                            }
                        })}
                    </tbody>
                </Transition>
            </table>
        </div>
        <Dialog open=dialog title>
            <form
                class="el-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    save.dispatch(());
                }
            >
                <label class="el-form-item">
                    <span class="el-form-label required">"用户名"</span>
                    <input class="el-input" name="username" bind:value=username />
                    <FieldError error field="username" />
                </label>
                <Show when=move || editing.get() == Editing::New>
                    <label class="el-form-item">
                        <span class="el-form-label required">"密码"</span>
                        <input class="el-input" type="password" name="password" autocomplete="new-password" bind:value=password />
                        <span class="el-form-hint">"至少8位，不能全是数字"</span>
                        <FieldError error field="password" />
                    </label>
                </Show>
                <label class="el-form-item">
                    <span class="el-form-label required">"角色"</span>
                    <select
                        class="el-select"
                        name="role"
                        prop:value=move || role.get().as_str()
                        on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)).unwrap_or(Role::Coach))
                    >
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="el-form-item">
                    <span class="el-form-label">"状态"</span>
                    <span class="el-form-inline">
                        <input type="checkbox" name="enabled" bind:checked=enabled />
                        "启用"
                    </span>
                </label>
                {move || error.get().filter(|e| e.details.is_none()).map(|e| view! { <div class="el-alert el-alert-error">{e.message}</div> })}
                <div class="el-form-actions">
                    <button class="el-button el-button-primary" type="submit" disabled=move || save.pending().get()>"保存"</button>
                    <button class="el-button" type="button" on:click=move |_| dialog.set(false)>"取消"</button>
                </div>
            </form>
        </Dialog>
        <Dialog open=password_dialog title=Signal::derive(|| "新密码".to_owned())>
            {move || new_password.get().map(|(name, password)| view! {
                <p>{format!("用户「{name}」的新密码（只显示这一次，请复制后交给本人）：")}</p>
                <p class="el-alert el-alert-success" data-testid="new-password" style="font-size:18px;font-family:monospace">{password}</p>
            })}
        </Dialog>
    }
}
