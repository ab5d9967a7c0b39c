# Airflow 3 with dbt in its own virtualenv, both from the committed locks in infra/python/
# (Airflow's constraints file is not fetched: our lock is the constraint).
FROM python:3.11-slim
ENV AIRFLOW_HOME=/opt/airflow PIP_DISABLE_PIP_VERSION_CHECK=1
COPY infra/python/ /opt/banking/infra/python/
RUN python -m venv /opt/airflow-venv \
 && /opt/airflow-venv/bin/pip install --no-cache-dir -r /opt/banking/infra/python/requirements-airflow.lock \
 && python -m venv /opt/dbt-venv \
 && /opt/dbt-venv/bin/pip install --no-cache-dir -r /opt/banking/infra/python/requirements-dbt.lock
ENV PATH=/opt/airflow-venv/bin:$PATH
WORKDIR /opt/banking
