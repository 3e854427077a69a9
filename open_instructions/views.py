"""Pages for posing instructions and answering other contributors' ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from annotations import selectors as demonstration_selectors
from annotations.exceptions import TransitionNotAllowed
from annotations.models import Origin
from annotations.validation import max_lengths
from annotations.views import JUST_SUBMITTED
from core.forms import add_service_errors
from core.pagination import page_of

from . import drafts, selectors, services
from .forms import AnswerForm, OpenInstructionForm, PoolFilterForm


@login_required
def pool(request):
    categories = list(demonstration_selectors.active_categories())
    filters = PoolFilterForm(request.GET or None, categories=categories)
    queryset = selectors.open_pool(user=request.user, category_id=filters.category_id())
    page = page_of(request, queryset, 25)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "open_instructions/list.html", {"page": page, "filters": filters, "query": query.urlencode()}
    )


@login_required
def mine(request):
    page = page_of(request, selectors.own_open_instructions(user=request.user), 25)
    return render(request, "open_instructions/mine.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    categories = demonstration_selectors.active_categories()
    form = OpenInstructionForm(
        request.POST or None, categories=categories, initial={"category": request.GET.get("category")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.open_instruction_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your instruction is in the pool, waiting for someone to answer it."))
            return redirect("open-instruction-mine")
    return render(
        request,
        "open_instructions/form.html",
        {
            "form": form,
            "categories": categories,
            "limits": max_lengths(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer(request, public_id):
    open_instruction = selectors.access_open_instruction(user=request.user, public_id=public_id)
    draft = drafts.answer_draft(open_instruction=open_instruction, answerer=request.user)
    initial = {"instruction": draft.instruction, "response": draft.response} if draft else {}
    form = AnswerForm(request.POST or None, initial={"instruction": open_instruction.instruction, **initial})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            demonstration = services.open_instruction_answer(
                open_instruction=open_instruction,
                answerer=request.user,
                origin=Origin.WEB,
                instruction=form.cleaned_data["instruction"],
                response=form.cleaned_data["response"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
        except TransitionNotAllowed as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, _("Answer submitted for review. Thank you!"))
            request.session[JUST_SUBMITTED] = str(demonstration.public_id)
            return redirect("demonstration-detail", public_id=demonstration.public_id)
    return render(
        request,
        "open_instructions/answer.html",
        {
            "form": form,
            "open_instruction": open_instruction,
            "limits": max_lengths(),
            "own": open_instruction.author_id == request.user.pk,
            "draft": draft,
        },
        status=status,
    )


@login_required
@require_POST
def withdraw(request, public_id):
    open_instruction = selectors.access_open_instruction(user=request.user, public_id=public_id)
    try:
        services.open_instruction_withdraw(open_instruction=open_instruction, actor=request.user)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Instruction withdrawn."))
    return redirect("open-instruction-mine")
