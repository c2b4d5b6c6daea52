"""What people really type in Topics Discussed, Personal Connection and Forgot To Mention.

Every style on purpose: phrases and whole sentences, fragments without a subject, lists split by
commas, semicolons, new lines or bullets, all capitals, stray spaces, closing "." "!" "?" "...".
"""

from __future__ import annotations

TOPICS = [
    "the mobile roadmap",
    "We talked about the mobile roadmap.",
    "THE INCIDENT REVIEW PROCESS",
    "their move to event-driven billing, the on-call rotation",
    "error budgets, the SLO review",
    "conference talks, docs strategy",
    "Mobile roadmap",
    "Kafka migration",
    "diary studies with field technicians",
    "stress testing models",
    "the move from nightly batches to streaming.",
    "Talked about how the team does code review",
    "Discussed the hybrid working policy and the London office",
    "pricing; packaging; the EMEA launch",
    "onboarding\nmentoring juniors\nthe quarterly planning cycle",
    "- data contracts\n- dbt tests\n- the analytics backlog",
    "1. the hiring plan for 2027\n2. how on-call is paid",
    "MIGRATING TO AWS AND THE CI/CD PIPELINE",
    "We covered the INCIDENT REVIEW PROCESS in depth",
    "Dana mentioned the reorg in the platform team",
    "how the design system is governed",
    "whether the role could be remote two days a week?",
    "The team is rebuilding the checkout flow in React Native!",
    "Python, SQL, and dbt",
    "the roadmap for next year, especially the mobile app",
    "  the   new   ERP   rollout  ",
    "their GDPR audit and the data retention policy",
    "growing the partnerships team from 4 to 10 people",
    "the 10,000-store rollout, the pilot in Ohio",
    "She asked about my experience with Terraform. We also talked about their cloud costs.",
    "Sustainability reporting",
    "scaling the support team across time zones...",
    "My portfolio review",
    "the Q3 OKRs",
    "how they measure success in the first 90 days",
    "They are moving from Jenkins to GitHub Actions",
    "customer research with nurses on night shifts",
    "CRM clean-up; the Salesforce migration",
    "what success looks like in six months",
    "the São Paulo office and Zoë's analytics guild",
]

CONNECTIONS = [
    "We both studied in Leeds",
    "I also grew up in Lagos!",
    "a shared love of fell running",
    "both studied at Edinburgh",
    "Grew up in the same town (Hull)",
    "fell running, sourdough baking",
    "WE BOTH SUPPORT LEEDS UNITED",
    "a mutual friend, Priya from Monzo",
    "Cycling",
    "She used to work at Tailspin too.",
    "we have both lived in Berlin",
    "dogs; hiking in the Lake District",
    "our kids go to the same school",
    "I'm a volunteer at the same food bank",
]

FORGOT = [
    "my Kafka migration at Tailspin",
    "I led the Airflow migration",
    "Led the Airflow migration at Contoso",
    "I HAVE THE AWS SOLUTIONS ARCHITECT CERTIFICATION",
    "my Spanish is fluent.",
    "the open-source library I maintain (4k stars)",
    "I can start in January",
    "I have managed a team of six; I ran the on-call rota",
    "that I speak Portuguese and French",
    "I've built two design systems from scratch!",
    "my MSc dissertation on anomaly detection",
    "Volunteered as a STEM ambassador for 3 years",
]

CORPUS = TOPICS + CONNECTIONS + FORGOT
