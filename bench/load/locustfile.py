"""The load test's simulated people: contributors browse, write drafts, submit and watch the
leaderboard; reviewers work the queue.  Accounts come from the seed (LOAD_USERS_FILE)."""

import itertools
import json
import os
import random

from locust import FastHttpUser, between, task

SEEDED = json.load(open(os.environ["LOAD_USERS_FILE"]))  # noqa: SIM115
CONTEST = SEEDED["contest"]
_accounts = {
    role: itertools.cycle([a for a in SEEDED["accounts"] if a["role"] == role]) for role in ("contributor", "reviewer")
}
THINK = [float(x) for x in os.environ.get("LOAD_THINK_SECONDS", "5,15").split(",")]
CATEGORIES = ["open_qa", "brainstorming", "classification", "creative_writing", "general_qa"]


class Person(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    role = ""

    def on_start(self):
        account = next(_accounts[self.role])
        self.api = {"Authorization": f"Token {account['token']}", "Content-Type": "application/json"}
        self.page = {"Cookie": f"sessionid={account['session']}"}

    def get_page(self, path, name=None):
        with self.client.get(path, headers=self.page, name=name, catch_response=True) as response:
            if response.status_code != 200 or b"/accounts/login/" in (response.url or "").encode():
                response.failure(f"{response.status_code}")


class Contributor(Person):
    weight = 9
    role = "contributor"

    def on_start(self):
        super().on_start()
        self.drafts = []

    @task(3)
    def browse(self):
        self.get_page("/")
        self.get_page("/demonstrations/")
        self.get_page("/categories/")

    @task(2)
    def leaderboard(self):
        self.get_page("/leaderboard/")
        self.get_page(f"/contests/{CONTEST}/leaderboard/", name="/contests/[slug]/leaderboard/")
        self.client.get(
            f"/api/v1/contests/{CONTEST}/leaderboard/", headers=self.api, name="/api/v1/contests/[slug]/leaderboard/"
        )

    @task(3)
    def save_draft(self):
        n = random.randrange(10**9)
        body = {
            "category": random.choice(CATEGORIES),
            "instruction": f"Load question {n}: why is that so?",
            "response": "Because of a reason that takes a sentence or two to explain well. " * 3,
        }
        response = self.client.post("/api/v1/demonstrations/", data=json.dumps(body), headers=self.api)
        if response.status_code == 201:
            data = response.json()
            self.drafts.append((data["id"], data["version"]))

    @task(2)
    def edit_and_submit(self):
        if not self.drafts:
            return
        public_id, version = self.drafts.pop()
        body = {"version": version, "response": "A better answer, rewritten after reading it again. " * 3}
        response = self.client.patch(
            f"/api/v1/demonstrations/{public_id}/",
            data=json.dumps(body),
            headers=self.api,
            name="/api/v1/demonstrations/[id]/",
        )
        if response.status_code == 200:
            self.client.post(
                f"/api/v1/demonstrations/{public_id}/submit/",
                data="{}",
                headers=self.api,
                name="/api/v1/demonstrations/[id]/submit/",
            )

    @task(1)
    def my_api_list(self):
        self.client.get("/api/v1/demonstrations/?status=draft", headers=self.api, name="/api/v1/demonstrations/")


class Reviewer(Person):
    weight = 1
    role = "reviewer"

    @task(4)
    def review_next(self):
        response = self.client.get("/api/v1/review/next/", headers=self.api)
        if response.status_code != 200:
            return
        item = response.json()
        decision = random.choice(["approve", "approve", "approve", "request_changes"])
        body = {
            "decision": decision,
            "version": item["version"],
            "rating": 4,
            "reason": "" if decision == "approve" else "too_short",
        }
        self.client.post(
            f"/api/v1/demonstrations/{item['id']}/review/",
            data=json.dumps(body),
            headers=self.api,
            name="/api/v1/demonstrations/[id]/review/",
        )

    @task(1)
    def queue_page(self):
        self.get_page("/review/")
